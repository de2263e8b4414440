"""How long the engine process lives, against what a program around a manager does: use it again
under a second ``asyncio.run``, or from another loop that still runs, drop it without
``close()``, register tools after its loop ended, fork a child while it holds one. Real engine
processes; every wait for a process has a time limit."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import threading
import time

import pytest

from conftest import demo_upstream
from mcp_core import MCPManager, ToolRegistry, sync

CONFIG = {"mcpServers": {"demo": demo_upstream()}}


def gone(pid: int, within: float = 10.0) -> bool:
    """Whether the process ``pid`` has ended (and been reaped) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


async def echo(m: MCPManager, text: str) -> str:
    return (await m.execute_tool("demo__echo", {"text": text}, timeout=10)).text


async def upstream_pid(m: MCPManager) -> int:
    pid: int = (await m.health())["upstreams"][0]["pid"]
    return pid


async def processes(m: MCPManager) -> tuple[int, int]:
    """A call (which starts the engine if need be), then the engine's and its upstream's pids."""
    assert await echo(m, "hi") == "hi"
    assert m.engine_pid is not None
    return m.engine_pid, await upstream_pid(m)


def test_a_manager_used_again_under_a_second_asyncio_run_starts_a_new_engine_and_stops_the_first() -> None:
    """Every call under the second asyncio.run, close() included, raised 'Event loop is closed',
    and the first engine ran on, with its upstreams, until the program exited."""
    m = MCPManager(CONFIG)
    first = asyncio.run(processes(m))
    second = asyncio.run(processes(m))
    assert second[0] != first[0]
    assert gone(first[0]) and gone(first[1])
    asyncio.run(m.close())
    assert gone(second[0]) and gone(second[1])


def test_a_manager_whose_loop_still_runs_elsewhere_refuses_other_loops_and_serves_its_own() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        m = MCPManager(CONFIG)
        assert asyncio.run_coroutine_threadsafe(echo(m, "home"), loop).result(20) == "home"
        with pytest.raises(RuntimeError, match="runs on another event loop, which is still open"):
            asyncio.run(echo(m, "away"))
        with pytest.raises(RuntimeError, match="runs on another event loop"):
            asyncio.run(m.close())
        assert asyncio.run_coroutine_threadsafe(echo(m, "still home"), loop).result(20) == "still home"
        pid = m.engine_pid
        asyncio.run_coroutine_threadsafe(m.close(), loop).result(20)
        assert pid is not None and gone(pid)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def test_a_close_made_while_another_closes_returns_once_the_engine_is_stopped() -> None:
    """It returned at once, the engine still running (the first had begun, and forgotten it)."""
    m = MCPManager(CONFIG)
    await processes(m)
    exited = m._engine.pipe.exited  # type: ignore[union-attr]
    first = asyncio.ensure_future(m.close())
    await asyncio.sleep(0)  # the first closing has begun
    await m.close()
    assert exited.done()
    await first


async def test_an_async_manager_dropped_without_close_stops_its_engine_and_upstreams() -> None:
    """The pipe held the manager: dropped, it was never collected, and its engine and upstreams
    ran until the program exited (one more set for each manager a program forgot to close)."""
    m = MCPManager(CONFIG)
    engine, upstream = await processes(m)
    del m
    gc.collect()
    # The engine is stopped on this loop: let it run while waiting.
    assert await asyncio.to_thread(gone, engine)
    assert await asyncio.to_thread(gone, upstream)


def test_a_sync_manager_dropped_without_close_stops_its_engine_and_its_thread() -> None:
    m = sync.MCPManager(CONFIG)
    assert m.execute_tool("demo__echo", {"text": "hi"}, timeout=10).text == "hi"
    engine, thread = m.engine_pid, m._thread
    assert engine is not None
    del m
    gc.collect()
    assert gone(engine)
    thread.join(10)
    assert not thread.is_alive()


def first() -> str:
    return "first"


def second() -> str:
    return "second"


def test_a_tool_registered_after_the_loop_of_a_manager_serving_the_registry_ended_is_registered() -> None:
    """The manager, not closed, still listened to its registry and told its engine of the new
    tool through the loop: "Event loop is closed" failed the registration (``@mcp_core.tool`` in
    a module imported after an ``asyncio.run``)."""
    registry = ToolRegistry()
    registry.add(first)

    async def serve() -> MCPManager:
        m = MCPManager(tools=registry)
        assert (await m.execute_tool("first", {}, timeout=10)).text == "first"
        return m

    m = asyncio.run(serve())
    registry.add(second)
    assert registry.get("second") is not None
    asyncio.run(m.close())


async def test_a_child_made_by_fork_does_not_hold_the_engine_open() -> None:
    """The child's copies of the pipe kept the engine's stdin open after close() closed it:
    close() waited its 10 s of grace, then killed the engine (multiprocessing's fork workers)."""
    m = MCPManager(CONFIG)
    assert (await m.execute_tool("demo__echo", {"text": "hi"}, timeout=10)).text == "hi"
    exited = m._engine.pipe.exited  # type: ignore[union-attr]
    child = os.fork()
    if child == 0:  # the child waits to be killed, and never returns into pytest
        try:
            time.sleep(60)
        finally:
            os._exit(0)
    try:
        await m.close()
        assert exited.result() == 0, "the engine was killed, not closed"
    finally:
        os.kill(child, signal.SIGKILL)
        await asyncio.to_thread(os.waitpid, child, 0)
