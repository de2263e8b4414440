"""MCPManager against real upstream processes: listing, calling, results, health, reload, batches."""

from __future__ import annotations

import asyncio
import json

import pytest

from conftest import demo_upstream, everything_upstream, fixture_upstream
from mcp_core import (
    MCPConfigError,
    MCPException,
    MCPManager,
    MCPProtocolError,
    MCPToolError,
    Progress,
    ToolRegistry,
    ToolResult,
)


async def test_lists_the_upstreams_tools_namespaced_and_calls_one() -> None:
    async with MCPManager({"mcpServers": {"demo": demo_upstream(), "fx": fixture_upstream()}}) as m:
        names = {tool.name for tool in await m.list_tools()}
        assert {"demo__echo", "demo__add", "fx__echo", "fx__slow"} <= names
        echo = next(tool for tool in await m.list_tools() if tool.name == "demo__echo")
        assert echo.input_schema["properties"]["text"]["type"] == "string"
        result = await m.execute_tool("demo__echo", {"text": "hello"})
        assert isinstance(result, ToolResult)
        assert (result.text, result.is_error, result.structured) == ("hello", False, None)


async def test_structured_results_and_progress() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        stats = await m.execute_tool("fx__stats")
        assert stats.structured == {"cancelled": 0}
        seen: list[Progress] = []
        result = await m.execute_tool("fx__slow", {"ms": 50}, on_progress=seen.append)
        assert result.text == "slept 50"
        assert [p.progress for p in seen] == list(range(1, 11))
        assert seen[-1].total == 10 and seen[-1].message == "step 10"


async def test_async_progress_callbacks_are_awaited_as_tasks() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        seen: list[float] = []

        async def record(progress: Progress) -> None:
            seen.append(progress.progress)

        await m.execute_tool("fx__slow", {"ms": 20}, on_progress=record)
        await asyncio.sleep(0)
        assert seen == list(range(1, 11))


async def test_tool_errors_are_results_or_raised_on_request() -> None:
    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}) as m:
        result = await m.execute_tool("demo__fail", {})
        assert result.is_error and result.text
        with pytest.raises(MCPToolError) as raised:
            await m.execute_tool("demo__fail", {}, raise_on_error=True)
        assert raised.value.tool == "demo__fail"
        assert raised.value.content == result.content
        assert isinstance(raised.value, MCPException)
    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}, raise_on_error=True) as m:
        with pytest.raises(MCPToolError):
            await m.execute_tool("demo__fail")
        assert (await m.execute_tool("demo__fail", raise_on_error=False)).is_error


async def test_unknown_tool_is_a_protocol_error() -> None:
    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}) as m:
        with pytest.raises(MCPProtocolError) as raised:
            await m.execute_tool("demo__nope", {})
        assert raised.value.code == -32602
        assert "demo__nope" in raised.value.message


async def test_a_yaml_config_file_is_read_by_the_engine(scratch) -> None:
    path = scratch / "gateway.yaml"
    upstream = demo_upstream()
    path.write_text(
        "mcpServers:\n  demo:\n"
        f"    command: {json.dumps(upstream['command'])}\n"
        f"    args: {json.dumps(upstream['args'])}\n"
        "gateway:\n  separator: '.'\n"
    )
    async with MCPManager(path) as m:
        assert (await m.execute_tool("demo.add", {"a": 2, "b": 3})).text == "5"


async def test_bad_settings_are_refused_with_every_problem_named(scratch) -> None:
    with pytest.raises(MCPConfigError) as raised:
        async with MCPManager({"mcpServers": {"x": {"command": "a", "url": "http://b"}}, "http": {"port": "eighty"}}):
            pass
    assert "http.port" in raised.value.message
    path = scratch / "broken.yaml"
    path.write_text("mcpServers: [1, 2\n")
    with pytest.raises(MCPConfigError) as raised:
        await MCPManager(path).start()
    assert "not valid YAML" in raised.value.message


def test_a_config_of_no_form_it_takes_is_refused_when_the_manager_is_made() -> None:
    # They raised at the first call, from os.fspath: "'int' object is not iterable".
    refusals = [
        (123, "config must be a dict of settings, a config file's path, a list of paths, or None; not int"),
        (b"gateway.yaml", "; not bytes"),
        (["gateway.yaml", 3], r"config: each path in the list must be a str or an os.PathLike, not int \(3\)"),
    ]
    for config, message in refusals:
        with pytest.raises(TypeError, match=message):
            MCPManager(config)
    MCPManager(("gateway.yaml", "override.yaml"))  # a tuple of paths is a list of paths


def test_max_workers_no_thread_pool_takes_is_refused_when_the_manager_is_made() -> None:
    # 0 was refused by the thread pool only once the engine had started, at the first call, and
    # that engine ran on with nothing to close it: one more at each call.
    for workers in (0, -1, 2.5, "8", True):
        with pytest.raises(ValueError, match="max_workers must be a number of threads, 1 or more"):
            MCPManager(tools=[same], max_workers=workers)


async def test_a_manager_that_fails_to_start_stops_listening_to_its_registry() -> None:
    # Its tool server listened to the registry forever: one more listener at each failed start.
    registry = ToolRegistry()
    registry.add(same)
    m = MCPManager({"mcpServers": {"a": {"command": 1}}}, tools=registry)
    for _ in range(3):
        with pytest.raises(MCPConfigError):
            await m.start()
    assert registry._listeners == []


async def test_health_reports_upstreams_and_versions() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream(required=True)}}) as m:
        health = await m.health()
        assert health["ready"] is True
        assert health["engine"]["version"] and health["engine"]["node"].startswith("v")
        assert health["engine"]["pid"] == m.engine_pid
        (fx,) = health["upstreams"]
        assert (fx["name"], fx["state"], fx["breaker"]) == ("fx", "connected", "closed")


async def test_reload_adds_and_removes_upstreams() -> None:
    async with MCPManager({"mcpServers": {"a": demo_upstream()}}) as m:
        report = await m.reload({"mcpServers": {"b": fixture_upstream()}})
        assert (report["added"], report["removed"]) == (["b"], ["a"])
        names = {tool.name for tool in await m.list_tools()}
        assert "b__echo" in names and "a__echo" not in names
        with pytest.raises(MCPConfigError):
            await m.reload({"mcpServers": {"c": {}}})
        assert "b__echo" in {tool.name for tool in await m.list_tools()}


async def test_batch_results_in_order_with_exceptions_in_place() -> None:
    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}) as m:
        outcomes = await m.execute_batch(
            [("demo__echo", {"text": "one"}), ("demo__nope", {}), ("demo__add", {"a": 1, "b": 2}), "demo__fail"],
            concurrency=2,
            raise_on_error=True,
        )
        assert isinstance(outcomes[0], ToolResult) and outcomes[0].text == "one"
        assert isinstance(outcomes[1], MCPProtocolError)
        assert isinstance(outcomes[2], ToolResult) and outcomes[2].text == "3"
        assert isinstance(outcomes[3], MCPToolError) and outcomes[3].tool == "demo__fail"


async def test_arguments_json_cannot_carry_are_refused_at_once_and_the_rest_are_served() -> None:
    # NaN was written as `NaN`, which is not JSON: the engine dropped the line and the call
    # waited forever. Now it, and what json cannot encode, fail before anything is sent.
    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}) as m:
        with pytest.raises(MCPProtocolError, match=r"^tools/call: the params cannot be sent as JSON: Out of range float values"):
            await asyncio.wait_for(m.execute_tool("demo__echo", {"text": float("nan")}), 20)
        circular: dict = {}
        circular["self"] = circular
        outcomes = await m.execute_batch(
            [("demo__echo", {"n": float("inf")}), ("demo__echo", {"text": "served"}), ("demo__echo", {"when": object()}), ("demo__echo", circular)]
        )
        assert isinstance(outcomes[0], MCPProtocolError)
        assert isinstance(outcomes[1], ToolResult) and outcomes[1].text == "served"
        assert isinstance(outcomes[2], MCPProtocolError) and "Object of type object is not JSON serializable" in str(outcomes[2])
        assert isinstance(outcomes[3], MCPProtocolError)
        assert (await m.execute_tool("demo__echo", {"text": "after"})).text == "after"


def same(n: int, label: str = "") -> dict:
    return {"n": n, "label": label}


def large() -> dict:
    return {"id": 2**63 - 1}


async def test_integers_past_2_53_are_refused_at_once_rather_than_changed_on_the_way() -> None:
    # The engine reads JSON numbers as doubles: 2**53 + 1 reached the tool as 2**53, and a
    # 64-bit id came back as another id, and nobody was told. Now each is refused, naming it.
    async with MCPManager(tools=[same, large]) as m:
        for n in (2**53 + 1, -(2**63)):
            with pytest.raises(MCPProtocolError, match=rf"^tools/call: the params cannot be sent as JSON: the integer {n} is past 2\*\*53"):
                await asyncio.wait_for(m.execute_tool("same", {"n": n}), 20)
        with pytest.raises(MCPProtocolError, match=r"the answer cannot be sent as JSON: the integer 9223372036854775807 is past 2\*\*53"):
            await asyncio.wait_for(m.execute_tool("large", {}), 20)
        # Up to 2**53 every integer arrives as it was; long runs of digits in strings are no integers.
        for n in (2**53, -(2**53)):
            assert (await m.execute_tool("same", {"n": n, "label": "12345678901234567890"})).structured == {"n": n, "label": "12345678901234567890"}


async def test_a_lone_surrogate_an_answer_held_goes_back_as_the_json_escape_it_came_as() -> None:
    # JSON's "\ud800" is a str Python holds but UTF-8 cannot encode: sending such a string on
    # (an upstream's text passed to another tool) raised UnicodeEncodeError, none of the
    # package's errors. Now it goes out as the escape, and comes back the same.
    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}) as m:
        text = "a\ud800b\udfff c \U0001f600"
        echoed = (await asyncio.wait_for(m.execute_tool("demo__echo", {"text": text}), 20)).text
        assert echoed == text
        assert (await m.execute_tool("demo__echo", {"text": echoed})).text == text


async def test_a_timeout_no_timer_can_run_on_is_refused_before_the_call_is_sent() -> None:
    # A string failed only after the request was written: the call ran on in the engine with
    # nobody waiting for it. NaN was taken (a timer the loop cannot order); -1 timed out at once.
    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}) as m:
        for timeout, kind, says in [
            ("5", TypeError, "timeout must be a number of seconds or None, not str"),
            (True, TypeError, "timeout must be a number of seconds or None, not bool"),
            (float("nan"), ValueError, "timeout must be a number of seconds, 0 or more, not nan"),
            (-1, ValueError, "timeout must be a number of seconds, 0 or more, not -1"),
        ]:
            with pytest.raises(kind) as raised:
                await m.execute_tool("demo__sleep", {"ms": 300}, timeout=timeout)
            assert str(raised.value) == says
        # None of them reached the upstream.
        health = await m.health()
        assert health["upstreams"][0]["calls"]["total"] == 0, health
        assert (await m.execute_tool("demo__echo", {"text": "x"}, timeout=20)).text == "x"


async def test_batch_runs_at_most_concurrency_calls_at_once() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        outcomes = await m.execute_batch([("fx__concurrency", {"ms": 30, "tag": "batch"})] * 12, concurrency=3)
        peaks = [outcome.structured["most"] for outcome in outcomes if isinstance(outcome, ToolResult)]
        assert len(peaks) == 12 and max(peaks) == 3


async def test_a_thousand_concurrent_calls_over_one_pipe() -> None:
    config = {"mcpServers": {"demo": demo_upstream(maxConcurrency=64, maxQueue=1000)}}
    async with MCPManager(config) as m:
        results = await asyncio.gather(*(m.execute_tool("demo__echo", {"text": f"call {i}"}) for i in range(1000)))
        assert [r.text for r in results] == [f"call {i}" for i in range(1000)]
        health = await m.health()
        assert health["upstreams"][0]["calls"]["total"] >= 1000


async def test_resources_and_prompts_through_request() -> None:
    async with MCPManager({"mcpServers": {"everything": everything_upstream()}}) as m:
        prompts = await m.request("prompts/list")
        assert any(p["name"].startswith("everything__") for p in prompts["prompts"])
