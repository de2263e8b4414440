"""Upstreams' questions (elicitation, sampling, roots) answered by Python callbacks: the
manager's, or a call's own (``execute_tool(..., on_elicit=, on_sample=, on_roots=)``), which the
engine ties to the call that caused the question."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable

import pytest

from conftest import eventually, everything_upstream, fixture_upstream
from mcp_core import Context, MCPManager, MCPProtocolError
from mcp_core.manager import RELATED_REQUEST_KEY
from mcp_core.sync import MCPManager as SyncManager


class Gate:
    """Opens once ``count`` callers wait at it: proves that many questions are open at once."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._opened = asyncio.Event()

    async def wait(self) -> None:
        self._count -= 1
        if self._count <= 0:
            self._opened.set()
        await asyncio.wait_for(self._opened.wait(), 20)


def answerer(tag: str, seen: list[tuple[str, dict[str, Any]]], gate: Gate | None = None) -> Callable[[dict[str, Any]], Any]:
    """An elicitation handler for the fixture's ``ask`` tool (a question, then "Sure?") that
    answers with its tag."""

    async def on_elicit(params: dict[str, Any]) -> dict[str, Any]:
        seen.append((tag, params))
        if params["message"] == "Sure?":
            return {"action": "accept", "content": {"sure": tag == "one"}}
        if gate is not None:
            await gate.wait()
        return {"action": "accept", "content": {"answer": f"{tag} says {params['message']}"}}

    return on_elicit


async def test_concurrent_calls_with_their_own_on_elicit_each_get_their_own_answers() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    gate = Gate(2)
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        one, two = await asyncio.gather(
            m.execute_tool("fx__ask", {"question": "a"}, on_elicit=answerer("one", seen, gate)),
            m.execute_tool("fx__ask", {"question": "b"}, on_elicit=answerer("two", seen, gate)),
        )
    assert (one.text, two.text) == ("one says a (sure: true)", "two says b (sure: false)")
    assert sorted((tag, params["message"]) for tag, params in seen) == [("one", "Sure?"), ("one", "a"), ("two", "Sure?"), ("two", "b")]
    # The callback sees the question as the upstream asked it: the engine's tie is gone.
    assert all(RELATED_REQUEST_KEY not in params.get("_meta", {}) for _, params in seen)


async def test_a_calls_own_on_elicit_overrides_the_managers_and_other_calls_fall_back_to_it() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    gate = Gate(2)
    config = {"mcpServers": {"fx": fixture_upstream()}}
    async with MCPManager(config, on_elicit=answerer("manager", seen, gate)) as m:
        own, fallback = await asyncio.gather(
            m.execute_tool("fx__ask", {"question": "a"}, on_elicit=answerer("one", seen, gate)),
            m.execute_tool("fx__ask", {"question": "b"}),
        )
        assert (own.text, fallback.text) == ("one says a (sure: true)", "manager says b (sure: false)")
        assert sorted((tag, params["message"]) for tag, params in seen) == [("manager", "Sure?"), ("manager", "b"), ("one", "Sure?"), ("one", "a")]
        # A call's handlers are its own: the next call without any is the manager's again.
        assert (await m.execute_tool("fx__ask", {"question": "c"})).text == "manager says c (sure: false)"


async def test_a_call_brings_a_handler_the_manager_does_not_have() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        answered = await m.execute_tool("fx__ask", {"question": "a"}, on_elicit=answerer("one", seen))
        assert answered.text == "one says a (sure: true)"
        # No handler at all: the question is refused, and the upstream's call fails with it.
        with pytest.raises(MCPProtocolError, match="no handler for elicitation/create"):
            await m.execute_tool("fx__ask", {"question": "b"})
    assert [params["message"] for _, params in seen] == ["a", "Sure?"]


async def test_a_calls_own_on_sample_answers_a_legacy_upstreams_sampling_request() -> None:
    def manager_sample(params: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("the call's own handler answers")

    def own_sample(params: dict[str, Any]) -> dict[str, Any]:
        return {"role": "assistant", "content": {"type": "text", "text": "from the call"}, "model": "per-call"}

    async with MCPManager({"mcpServers": {"everything": everything_upstream()}}, on_sample=manager_sample) as m:
        result = await m.execute_tool("everything__trigger-sampling-request", {"prompt": "who answers?"}, on_sample=own_sample)
        assert "from the call" in result.text and not result.is_error


def test_the_sync_facade_takes_a_calls_own_handlers_from_several_threads() -> None:
    texts: dict[str, str] = {}
    both_asked = threading.Barrier(2, timeout=20)

    def answering(tag: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def on_elicit(params: dict[str, Any]) -> dict[str, Any]:  # runs in a worker thread
            if params["message"] == "Sure?":
                return {"action": "accept", "content": {"sure": True}}
            both_asked.wait()
            return {"action": "accept", "content": {"answer": tag}}

        return on_elicit

    with SyncManager({"mcpServers": {"fx": fixture_upstream()}}) as m:

        def call(tag: str) -> None:
            texts[tag] = m.execute_tool("fx__ask", {"question": tag}, on_elicit=answering(tag)).text

        threads = [threading.Thread(target=call, args=(tag,)) for tag in ("left", "right")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert texts == {"left": "left (sure: true)", "right": "right (sure: true)"}


async def test_the_managers_roots_reach_a_legacy_upstream_and_a_change_reaches_it_too() -> None:
    roots = [{"uri": "file:///work/first", "name": "First"}]

    def on_roots() -> list[dict[str, Any]]:  # a plain function: it runs in a worker thread
        return list(roots)

    async with MCPManager({"mcpServers": {"everything": everything_upstream()}}, on_roots=on_roots) as m:
        # server-everything asks for roots once initialized (or in its first call) and shows them.
        shown = await m.execute_tool("everything__get-roots-list")
        assert "file:///work/first" in shown.text and "First" in shown.text
        roots[:] = [{"uri": "file:///work/second"}]
        await m.roots_changed()

        async def shows_the_change() -> bool:
            return "file:///work/second" in (await m.execute_tool("everything__get-roots-list")).text

        await eventually(shows_the_change)


async def test_without_on_roots_upstreams_are_offered_no_roots() -> None:
    async with MCPManager({"mcpServers": {"everything": everything_upstream()}}) as m:
        names = {tool.name for tool in await m.list_tools()}
        assert "everything__echo" in names and "everything__get-roots-list" not in names
        with pytest.raises(RuntimeError, match="on_roots"):
            await m.roots_changed()


async def test_a_calls_own_on_roots_answers_the_roots_questions_of_that_call() -> None:
    gate = Gate(2)

    async def manager_roots() -> list[dict[str, Any]]:
        await gate.wait()
        return [{"uri": "file:///manager"}]

    def own_roots(uri: str) -> Callable[[], Any]:
        async def on_roots() -> list[dict[str, Any]]:
            await gate.wait()
            return [{"uri": uri}, {"uri": f"{uri}/more"}]

        return on_roots

    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}, on_roots=manager_roots) as m:
        own, fallback = await asyncio.gather(
            m.execute_tool("fx__roots", on_roots=own_roots("file:///own")),
            m.execute_tool("fx__roots"),
        )
        assert (own.text, fallback.text) == ("file:///own file:///own/more", "file:///manager")


async def test_a_handler_that_returns_what_no_answer_is_refuses_its_question_naming_itself() -> None:
    """An on_elicit that returned None (no return statement) failed the call with "Invalid Request:
    a malformed result in answer to request "s1"", naming neither the handler nor what it returned;
    an on_roots that did failed it with "TypeError: 'NoneType' object is not iterable"."""
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}, on_roots=lambda: None) as m:
        with pytest.raises(MCPProtocolError, match=r"on_elicit returned None, not a dict \(the elicitation/create result\)"):
            await m.execute_tool("fx__ask", {"question": "a"}, on_elicit=lambda _: None, timeout=10)
        with pytest.raises(MCPProtocolError, match="on_elicit returned a str, not a dict"):
            await m.execute_tool("fx__ask", {"question": "a"}, on_elicit=lambda _: "yes", timeout=10)
        with pytest.raises(MCPProtocolError, match="on_roots returned None, not a list of roots"):
            await m.execute_tool("fx__roots", timeout=10)


async def test_a_plain_roots_handler_may_return_a_generator() -> None:
    """asyncio.iscoroutine takes a generator for a coroutine (Python 3.11): it was awaited, and
    failed with "TypeError: object generator can't be used in 'await' expression"."""
    def on_roots() -> Any:
        return ({"uri": f"file:///{name}"} for name in ("a", "b"))

    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}, on_roots=on_roots) as m:
        assert (await m.execute_tool("fx__roots", timeout=10)).text == "file:///a file:///b"


async def test_regression_every_thread_in_elicit_sync_answered_by_sync_callbacks_does_not_deadlock() -> None:
    """Plain tool functions and sync callbacks shared one pool: ``max_workers`` functions each
    waiting in ``ctx.elicit_sync`` took every thread, and the sync ``on_elicit`` that would
    answer them waited for one forever. The callbacks meet at a barrier: every function waits
    for its answer at once, and every answer is being given at once."""
    workers = 3
    meeting = threading.Barrier(workers, timeout=30)

    def confirm(ctx: Context) -> str:
        answer = ctx.elicit_sync("Proceed?", {"type": "object", "properties": {"by": {"type": "string"}}})
        return f"{answer['action']} by {answer['content']['by']}"

    def answer_as(who: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        def on_elicit(params: dict[str, Any]) -> dict[str, Any]:
            meeting.wait()
            return {"action": "accept", "content": {"by": who}}

        return on_elicit

    async with MCPManager(tools=[confirm], on_elicit=answer_as("manager"), max_workers=workers) as m:
        calls = [m.execute_tool("confirm"), m.execute_tool("confirm", on_elicit=answer_as("call"))]
        calls += [m.execute_tool("confirm") for _ in range(workers - len(calls))]
        results = await asyncio.wait_for(asyncio.gather(*calls), 60)
    assert sorted(result.text for result in results) == ["accept by call", "accept by manager", "accept by manager"]


async def test_cancelling_a_call_cancels_the_question_it_asked_and_its_handler() -> None:
    """An upstream's question, and a Python tool's, asked of the caller while serving a call,
    were never withdrawn when the call was cancelled: the engine dropped its notifications/cancelled
    for the question with the call, and the handler (waiting for a user's answer) ran for ever,
    one more for each such call."""
    asked: list[str] = []
    cancelled: list[str] = []

    async def on_elicit(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params["message"])
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(params["message"])
            raise
        return {"action": "decline"}

    async def confirm(ctx: Context) -> str:
        """Asks its caller."""
        return str(await ctx.elicit("Python tool asks"))

    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}, tools=[confirm], on_elicit=on_elicit) as m:
        for name, arguments, message in (("confirm", {}, "Python tool asks"), ("fx__ask", {"question": "Upstream asks"}, "Upstream asks")):
            call = asyncio.ensure_future(m.execute_tool(name, arguments))
            await asyncio.wait_for(_until(lambda: message in asked), 20)
            call.cancel()
            await asyncio.wait_for(_until(lambda: message in cancelled), 20)
        assert (await m.health())["pendingInputs"] == 0


async def _until(check: Callable[[], bool]) -> None:
    while not check():
        await asyncio.sleep(0.01)
