"""Failures, each as a user meets it: the engine dying, cancellation, timeouts, every exception
class and every upstream failure category, a missing Node."""

from __future__ import annotations

import asyncio
import http.server
import os
import signal
import stat
import threading
from pathlib import Path

import pytest

from conftest import eventually, fixture_upstream
from mcp_core import (
    MCPConfigError,
    MCPConnectionError,
    MCPException,
    MCPManager,
    MCPProtocolError,
    MCPTimeoutError,
    NodeNotFoundError,
)


async def test_engine_death_fails_pending_calls_at_once_and_the_next_call_restarts_it() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        first_pid = m.engine_pid
        pending = [asyncio.ensure_future(m.execute_tool("fx__hang")) for _ in range(5)]
        await eventually(async_running(m, 5))
        os.kill(first_pid, signal.SIGKILL)
        outcomes = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 10)
        assert all(isinstance(o, MCPConnectionError) for o in outcomes), outcomes
        # Regression: it said "the engine exited", not how.
        assert str(outcomes[0]) == "the engine was killed by SIGKILL; calls in flight are lost"

        result = await m.execute_tool("fx__echo", {"text": "back"})
        assert result.text == "back"
        assert m.engine_pid != first_pid and m.restarts == 1


async def test_without_auto_restart_a_dead_engine_stays_dead() -> None:
    async with MCPManager({"demo": True}, auto_restart=False) as m:
        os.kill(m.engine_pid, signal.SIGKILL)
        with pytest.raises(MCPConnectionError):
            await m.execute_tool("echo", {"text": "x"})
        with pytest.raises(MCPConnectionError, match="^the engine was killed by SIGKILL and auto_restart is off$"):
            await m.execute_tool("echo", {"text": "x"})


async def test_cancelling_the_task_cancels_the_call_in_the_upstream() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        started = asyncio.Event()
        # Its first progress report (after 1 s) says the upstream is running it.
        call = asyncio.ensure_future(m.execute_tool("fx__slow", {"ms": 10_000}, on_progress=lambda p: started.set()))
        await asyncio.wait_for(started.wait(), 20)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        # The upstream process saw notifications/cancelled: its slow call stopped and counted it.
        await eventually(async_cancelled(m, 1))


async def test_a_timeout_raises_and_cancels_the_call_upstream() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream()}}) as m:
        with pytest.raises(MCPTimeoutError) as raised:
            await m.execute_tool("fx__hang", timeout=0.3)
        assert "fx__hang" in str(raised.value)
        assert isinstance(raised.value, TimeoutError)
        # Progress restarts the timeout: ten steps of 150 ms each pass a 0.6 s limit.
        assert (await m.execute_tool("fx__slow", {"ms": 1500}, timeout=0.6, on_progress=lambda p: None)).text == "slept 1500"
        with pytest.raises(MCPTimeoutError):
            await m.execute_tool("fx__slow", {"ms": 60_000}, timeout=0.2)
        await eventually(async_cancelled(m, 1))


async def test_the_upstreams_own_timeout_is_a_timeout_error_with_reason_slow() -> None:
    async with MCPManager({"mcpServers": {"fx": fixture_upstream(timeoutMs=300)}}) as m:
        with pytest.raises(MCPTimeoutError) as raised:
            await m.execute_tool("fx__hang")
        assert (raised.value.upstream, raised.value.reason) == ("fx", "slow")


async def test_a_crashed_upstream_is_a_connection_error_with_reason_dead() -> None:
    config = {"mcpServers": {"fx": fixture_upstream(reconnect={"initialDelayMs": 60_000, "maxDelayMs": 60_000})}}
    async with MCPManager(config) as m:
        with pytest.raises(MCPConnectionError) as raised:
            await m.execute_tool("fx__crash")
        assert (raised.value.upstream, raised.value.reason) == ("fx", "dead")
        with pytest.raises(MCPConnectionError) as again:
            await m.execute_tool("fx__echo", {"text": "x"})
        assert again.value.reason == "dead"
        assert isinstance(again.value.failure.upstream, str)


async def test_an_open_breaker_is_reason_breaker_open() -> None:
    config = {"mcpServers": {"fx": fixture_upstream(timeoutMs=200, breaker={"consecutiveFailures": 1, "halfOpenAfterMs": 60_000})}}
    async with MCPManager(config) as m:
        with pytest.raises(MCPTimeoutError):
            await m.execute_tool("fx__hang")
        with pytest.raises(MCPConnectionError) as raised:
            await m.execute_tool("fx__echo", {"text": "x"})
        assert raised.value.reason == "breaker_open"
        health = await m.health()
        assert health["upstreams"][0]["breaker"] == "open"


async def test_a_full_upstream_is_reason_overloaded() -> None:
    config = {"mcpServers": {"fx": fixture_upstream(maxConcurrency=1, maxQueue=0)}}
    async with MCPManager(config) as m:
        started = asyncio.Event()
        busy = asyncio.ensure_future(m.execute_tool("fx__slow", {"ms": 5000}, on_progress=lambda p: started.set()))
        await asyncio.wait_for(started.wait(), 20)
        with pytest.raises(MCPConnectionError) as raised:
            await m.execute_tool("fx__echo", {"text": "x"})
        assert raised.value.reason == "overloaded"
        busy.cancel()
        with pytest.raises(asyncio.CancelledError):
            await busy


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer realm="test"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


async def test_refused_credentials_are_reason_auth() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/mcp"
        async with MCPManager({"mcpServers": {"api": {"url": url, "reconnect": {"initialDelayMs": 60_000, "maxDelayMs": 60_000}}}}) as m:
            health = await m.health()
            assert health["upstreams"][0]["lastError"]["reason"] == "auth"
    finally:
        server.shutdown()
        server.server_close()


async def test_every_exception_is_an_mcp_exception() -> None:
    for kind in (MCPConnectionError, MCPTimeoutError, NodeNotFoundError):
        assert issubclass(kind, MCPException)


async def test_a_too_old_node_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "node"
    old.write_text("#!/bin/sh\necho v20.11.0\n")
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("MCP_CORE_NODE", str(old))
    with pytest.raises(NodeNotFoundError) as raised:
        await MCPManager({"demo": True}).start()
    message = str(raised.value)
    assert "v20.11.0" in message and "Node.js 24" in message and "MCP_CORE_NODE" in message


async def test_a_missing_node_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_CORE_NODE", str(tmp_path / "no-such-node"))
    with pytest.raises(NodeNotFoundError, match="Install Node.js 24"):
        await MCPManager({"demo": True}).start()


def _children() -> set[int]:
    """This process's living children, from /proc."""
    children = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                children.add(int(entry))
    return children


async def test_settings_json_cannot_carry_are_a_config_error_with_no_engine_left() -> None:
    # NaN was sent as `NaN` (not JSON), and an object json cannot encode raised TypeError
    # after the engine had started, leaving it running.
    before = _children()
    for bad in (float("nan"), object()):
        with pytest.raises(MCPConfigError, match="the settings cannot be sent to the engine as JSON"):
            await MCPManager({"mcpServers": {"demo": fixture_upstream(timeoutMs=bad)}}).start()
    assert _children() == before


async def test_closing_stops_the_engine_and_its_upstreams_and_fails_calls_in_flight() -> None:
    m = MCPManager({"mcpServers": {"fx": fixture_upstream()}})
    await m.start()
    hanging = asyncio.ensure_future(m.execute_tool("fx__hang"))
    await eventually(async_running(m, 1))
    upstream_pid = int((await m.execute_tool("fx__pid")).text)
    engine_pid = m.engine_pid
    await asyncio.wait_for(m.close(), 5)
    with pytest.raises(MCPConnectionError, match="closed"):
        await hanging
    for pid in (engine_pid, upstream_pid):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(MCPConnectionError, match="closed"):
        await m.execute_tool("fx__echo", {"text": "x"})


async def test_python_tools_are_served_again_by_a_restarted_engine() -> None:
    def triple(n: int) -> int:
        return 3 * n

    async with MCPManager(tools=[triple]) as m:
        assert (await m.execute_tool("triple", {"n": 2})).text == "6"
        engine = m._engine
        os.kill(m.engine_pid, signal.SIGKILL)
        await asyncio.wait_for(asyncio.shield(engine.pipe.exited), 10)
        assert (await m.execute_tool("triple", {"n": 3})).text == "9"
        assert m.restarts == 1


def async_running(m: MCPManager, count: int):
    """A check: the upstream has ``count`` calls running."""

    async def check() -> bool:
        return (await m.health())["upstreams"][0]["calls"]["running"] == count

    return check


def async_cancelled(m: MCPManager, count: int):
    """A check: the fixture upstream counted ``count`` cancelled slow calls."""

    async def check() -> bool:
        return (await m.execute_tool("fx__stats")).structured == {"cancelled": count}

    return check


async def test_a_request_larger_than_the_engine_reads_is_refused_at_once() -> None:
    async with MCPManager({"demo": True}) as m:
        limit = m._engine.pipe.max_message_bytes
        with pytest.raises(MCPProtocolError, match="at most"):
            await m.execute_tool("echo", {"text": "x" * limit})
        assert (await m.execute_tool("echo", {"text": "still fine"})).text == "still fine"
