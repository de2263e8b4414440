"""The sync facade (mcp_core.sync) on a bad day: its own callbacks calling back into it, and
close() racing calls from other threads. Each case runs in a thread of its own, joined with a
time limit, so that a deadlock fails its test instead of hanging the suite."""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable

from conftest import demo_upstream
from mcp_core import MCPConnectionError, Progress, ToolResult
from mcp_core.sync import MCPManager


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()``'s outcome (its value, or the exception it raised), failing if it takes longer."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # noqa: BLE001 - the outcome under test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s: a deadlock"
    return outcome[0]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_call_from_a_callback_on_the_managers_thread_raises_at_once_and_the_call_goes_on() -> None:
    """on_progress runs on the manager's loop thread: a call made there waited for that loop, which
    waited for the callback, and every call of the manager hung forever."""
    inner: list[BaseException] = []
    m = MCPManager({"mcpServers": {"demo": demo_upstream()}})
    try:
        m.start()

        def on_progress(_: Progress) -> None:
            try:
                m.execute_tool("demo__echo", {"text": "inner"})
            except BaseException as error:  # noqa: BLE001
                inner.append(error)

        outer = within(60, lambda: m.execute_tool("demo__sleep", {"ms": 100}, on_progress=on_progress))
        assert isinstance(outer, ToolResult) and outer.text == "slept 100 ms", outer
        assert inner and all(isinstance(error, RuntimeError) for error in inner), inner
        assert "cannot wait for a call of that manager" in str(inner[0])
        assert m.execute_tool("demo__echo", {"text": "after"}).text == "after"
    finally:
        within(60, m.close)


def test_close_from_a_callback_on_the_managers_thread_closes_it_and_fails_the_call_in_flight() -> None:
    """close() from on_progress waited for the loop it was running on: the program hung."""
    m = MCPManager({"mcpServers": {"demo": demo_upstream()}})
    m.start()
    pid = m.engine_pid
    assert pid is not None
    outer = within(60, lambda: m.execute_tool("demo__sleep", {"ms": 60_000}, on_progress=lambda _: m.close()))
    assert isinstance(outer, MCPConnectionError), outer
    assert "closed while the call was in flight" in str(outer)
    # close() again, from here, waits until the closing is done: the engine is gone.
    within(60, m.close)
    assert gone(pid)
    after = within(10, lambda: m.execute_tool("demo__echo", {"text": "late"}))
    assert isinstance(after, MCPConnectionError) and str(after) == "the manager is closed", after


def test_calls_from_threads_racing_close_each_end_with_a_result_or_a_connection_error() -> None:
    """A call refused after close() was a bare MCPException where the async manager raises
    MCPConnectionError; and a call handed to the loop while it stopped was never run, its
    thread waiting forever."""
    for _ in range(3):
        m = MCPManager({"mcpServers": {"demo": demo_upstream()}})
        m.start()
        pid = m.engine_pid
        outcomes: list[Any] = []

        def caller() -> None:
            while True:
                try:
                    outcomes.append(m.execute_tool("demo__echo", {"text": "x"}))
                except Exception as error:  # noqa: BLE001 - the outcome under test
                    outcomes.append(error)
                    return

        threads = [threading.Thread(target=caller, daemon=True) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(0.2)
        # Two threads close at once: both return once the engine is stopped.
        closers = [threading.Thread(target=m.close, daemon=True) for _ in range(2)]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(60)
        for thread in threads + closers:
            thread.join(60)
            assert not thread.is_alive(), "a thread still waits"
        failures = [outcome for outcome in outcomes if not isinstance(outcome, ToolResult)]
        assert len(failures) == 8 and all(isinstance(failure, MCPConnectionError) for failure in failures), {repr(f) for f in failures}
        assert pid is not None and gone(pid)
