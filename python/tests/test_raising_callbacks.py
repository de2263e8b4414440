"""The program's own code failing in the ways Python allows and a careless program does: progress
callbacks raising what ends programs (SystemExit, KeyboardInterrupt), exceptions whose ``str()``
raises, and plain functions raising what an asyncio future does not carry (StopIteration,
GeneratorExit). Each fails what it belongs to, with a message, and the manager goes on serving.
Real engine processes; the sync facade's cases run in a thread joined with a time limit, so that
a hang fails its test instead of the suite."""

from __future__ import annotations

import time
from typing import Any

import pytest

import mcp_core
from mcp_core import Context, MCPManager, MCPProtocolError
from mcp_core import sync
from test_sync_facade import within


class Unprintable(Exception):
    """An exception whose ``str()`` raises one whose ``str()`` raises too."""

    def __str__(self) -> str:
        raise Unprintable.Inner()

    class Inner(Exception):
        def __str__(self) -> str:
            raise Unprintable.Inner()


registry = mcp_core.ToolRegistry()


@registry.tool
def reports(ctx: Context) -> str:
    ctx.report_progress(1, 2, "half")
    time.sleep(0.05)  # the report reaches the caller before the answer
    return "done"


@registry.tool
def unprintable() -> str:
    raise Unprintable()


@registry.tool
async def unprintable_async() -> str:
    raise Unprintable()


@registry.tool
async def asks(ctx: Context) -> str:
    try:
        await ctx.elicit("Proceed?")
    except MCPProtocolError as error:
        return f"refused: {error}"
    return "answered"


@registry.tool
def finds_nothing() -> str:
    """``next()`` on an empty iterator: StopIteration, a careless program's commonest."""
    return next(iter([]))


@registry.tool
def exits_a_generator() -> str:
    raise GeneratorExit("closed")


@registry.tool
def echo(text: str) -> str:
    return text


def _exits(_: Any) -> None:
    raise SystemExit(3)


def _interrupted(_: Any) -> None:
    raise KeyboardInterrupt


async def _exits_async(_: Any) -> None:
    raise SystemExit(4)


@pytest.mark.parametrize("on_progress", [_exits, _interrupted, _exits_async], ids=["SystemExit", "KeyboardInterrupt", "async SystemExit"])
def test_a_progress_callback_raising_what_ends_programs_is_reported_and_the_manager_goes_on(on_progress: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Raised in the middle of reading the pipe, it ended the manager's event loop: the call, its
    own timeout and every later call of the manager waited forever."""
    with sync.MCPManager(tools=registry) as m:
        result = within(10, lambda: m.execute_tool("reports", {}, timeout=5, on_progress=on_progress))
        assert not isinstance(result, BaseException), result
        assert result.text == "done"
        assert within(10, lambda: m.execute_tool("echo", {"text": "next"}, timeout=5).text) == "next"
    assert "mcp_core: a progress callback raised" in caplog.text


async def test_a_tool_raising_an_exception_whose_str_raises_is_an_error_result_naming_both() -> None:
    """Its answer was never written (describing the exception raised again): the caller waited forever."""
    async with MCPManager(tools=registry) as m:
        for name in ("unprintable", "unprintable_async"):
            result = await m.execute_tool(name, {}, timeout=5)
            assert result.is_error
            assert result.text == "Unprintable: (its str() raised Inner)"
        assert (await m.execute_tool("echo", {"text": "next"}, timeout=5)).text == "next"


async def test_a_question_handler_raising_an_exception_whose_str_raises_refuses_the_question() -> None:
    def on_elicit(_: dict[str, Any]) -> dict[str, Any]:
        raise Unprintable()

    async with MCPManager(tools=registry, on_elicit=on_elicit) as m:
        result = await m.execute_tool("asks", {}, timeout=5)
        assert result.text.startswith("refused: ") and "Unprintable: (its str() raised Inner)" in result.text, result.text



async def test_a_plain_tool_raising_stop_iteration_or_generator_exit_is_an_error_result() -> None:
    """An asyncio future refuses StopIteration: the call of a plain tool that raised it was never
    answered. GeneratorExit failed its call as an MCPProtocolError, not as the tool's error."""
    async with MCPManager(tools=registry) as m:
        result = await m.execute_tool("finds_nothing", {}, timeout=5)
        assert result.is_error and result.text == "StopIteration: "
        result = await m.execute_tool("exits_a_generator", {}, timeout=5)
        assert result.is_error and result.text == "GeneratorExit: closed"
        assert (await m.execute_tool("echo", {"text": "next"}, timeout=5)).text == "next"


async def test_a_sync_question_handler_raising_stop_iteration_refuses_the_question() -> None:
    """Run in a worker thread as plain tools are, it left its question unanswered the same way."""
    async with MCPManager(tools=registry, on_elicit=lambda _: next(iter([]))) as m:
        result = await m.execute_tool("asks", {}, timeout=5)
        assert result.text.startswith("refused: ") and "StopIteration" in result.text, result.text
