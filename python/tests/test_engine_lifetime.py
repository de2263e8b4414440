"""How long the engine process lives, against what a program around a manager does: fork a child
while it holds one. Real engine processes; every wait for a process has a time limit."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from conftest import demo_upstream
from mcp_core import MCPManager

CONFIG = {"mcpServers": {"demo": demo_upstream()}}


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
