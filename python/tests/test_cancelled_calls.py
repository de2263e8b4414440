"""Calls to Python tools that their callers cancel, while the functions ignore the cancellation
and run on: the engine counts them in its limits until they return, as it counts its own
handlers. Each runs the real engine; the callers are the manager and raw HTTP clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Optional

from conftest import eventually
from mcp_core import Context, MCPManager, MCPProtocolError


class Holder:
    """Tools that hold their callers until released and ignore cancellation: a plain function
    (it cannot be stopped) and an async one (it catches ``CancelledError`` and waits on)."""

    def __init__(self) -> None:
        self.release_plain = threading.Event()
        self.release_async = asyncio.Event()
        self.entered = threading.Semaphore(0)
        self.contexts: list[Context] = []
        self.async_cancelled = asyncio.Event()

    def tools(self) -> list[Any]:
        def hold(ctx: Context) -> str:
            self.contexts.append(ctx)
            self.entered.release()
            self.release_plain.wait(120)
            return "returned"

        async def hold_async() -> str:
            self.entered.release()
            while True:
                try:
                    await self.release_async.wait()
                    return "returned"
                except asyncio.CancelledError:
                    self.async_cancelled.set()

        def quick() -> str:
            return "quick"

        return [hold, hold_async, quick]

    def release(self) -> None:
        """Lets every function return (also when a test fails before it means to)."""
        self.release_plain.set()
        self.release_async.set()

    async def wait_entered(self, count: int) -> None:
        for _ in range(count):
            assert await asyncio.to_thread(self.entered.acquire, True, 60), "a function to start"


@contextlib.asynccontextmanager
async def _releasing(holder: Holder) -> AsyncIterator[None]:
    try:
        yield
    finally:
        holder.release()


def overloaded(error: BaseException) -> bool:
    return isinstance(error, MCPProtocolError) and isinstance(error.data, dict) and error.data.get("reason") == "overloaded"


async def quick_runs(m: MCPManager) -> bool:
    """Whether a call gets a slot now (one round trip; refused at once when none is free)."""
    try:
        return (await m.execute_tool("quick")).text == "quick"
    except MCPProtocolError as error:
        if overloaded(error):
            return False
        raise


async def test_regression_cancelled_calls_keep_their_concurrency_slots_until_the_python_functions_return() -> None:
    """The engine gave a cancelled call's slot back at once while the Python function ran on:
    a caller cancelling each call ran any number at once, uncounted by limits.concurrency."""
    holder = Holder()
    config = {"limits": {"concurrency": {"maxCalls": 2, "maxQueued": 0}}}
    async with MCPManager(config, tools=holder.tools(), max_workers=4) as m, _releasing(holder):
        calls = [asyncio.ensure_future(m.execute_tool("hold")), asyncio.ensure_future(m.execute_tool("hold_async"))]
        await holder.wait_entered(2)
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        # The cancellations reached both functions, which run on.
        await asyncio.wait_for(holder.async_cancelled.wait(), 60)

        async def plain_saw_it() -> bool:
            await m.health()
            return holder.contexts[0].cancelled

        await eventually(plain_saw_it)
        try:
            await m.execute_tool("quick")
            raise AssertionError("a third call ran while two cancelled functions still ran")
        except MCPProtocolError as error:
            assert overloaded(error), error
        # The async function returns: its slot comes back; the plain one still holds its own.
        holder.release_async.set()
        await eventually(lambda: quick_runs(m))
        again = asyncio.ensure_future(m.execute_tool("hold"))
        await holder.wait_entered(1)
        assert not await quick_runs(m), "the cancelled plain function and the new call hold both slots"
        holder.release_plain.set()
        assert (await asyncio.wait_for(again, 60)).text == "returned"
        await eventually(lambda: quick_runs(m))


def raw_post(port: int, body: dict[str, Any]) -> bytes:
    head = (
        f"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
        "accept: application/json, text/event-stream\r\nmcp-protocol-version: 2026-07-28\r\n"
        f"mcp-method: tools/call\r\nmcp-name: {body['params']['name']}\r\n"
    )
    data = json.dumps(body).encode()
    return f"{head}content-length: {len(data)}\r\n\r\n".encode() + data


def modern_call(request_id: int, name: str) -> dict[str, Any]:
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
    }
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {"name": name, "arguments": {}, "_meta": meta}}


async def status_of(port: int, body: dict[str, Any]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw_post(port, body))
        line = await asyncio.wait_for(reader.readline(), 60)
        return int(line.split()[1])
    finally:
        writer.close()


async def test_regression_modern_http_callers_hanging_up_keep_their_in_flight_shares_until_the_python_functions_return() -> None:
    """A 2026-07-28 call whose client hangs up is cancelled; the engine gave its in-flight share
    back at once while the Python function ran on, so one client hanging up on each call ran
    any number at once past http.inflight.maxRequestsPerClient."""
    holder = Holder()
    config = {"http": {"inflight": {"maxRequestsPerClient": 2}}}
    async with MCPManager(config, tools=holder.tools(), http="127.0.0.1:0", max_workers=4) as m, _releasing(holder):
        assert m.url is not None
        port = int(m.url.split(":")[2].split("/")[0])
        for request_id in (1, 2):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw_post(port, modern_call(request_id, "hold")))
            await holder.wait_entered(1)
            writer.close()  # the client hangs up: the call is cancelled (spec 2026-07-28, cancellation)
            await writer.wait_closed()

        async def both_saw_it() -> bool:
            await m.health()
            return len(holder.contexts) == 2 and all(ctx.cancelled for ctx in holder.contexts)

        await eventually(both_saw_it)
        assert await status_of(port, modern_call(3, "quick")) == 503
        holder.release_plain.set()

        async def served() -> bool:
            return await status_of(port, modern_call(4, "quick")) == 200

        await eventually(served)


PROGRAM = '''
import asyncio, sys, threading
import mcp_core
from mcp_core import MCPManager

entered = threading.Semaphore(0)

def hold(ctx: mcp_core.Context) -> str:
    entered.release()
    threading.Event().wait()
    return "never"

async def main():
    async with MCPManager({"limits": {"concurrency": {"maxCalls": 2}}}, tools=[hold]) as m:
        calls = [asyncio.ensure_future(m.execute_tool("hold")) for _ in range(2)]
        for _ in range(2):
            await asyncio.to_thread(entered.acquire)
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        await m.health()
        print(m.engine_pid, flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
'''


async def test_the_engine_exits_when_python_dies_while_its_cancelled_functions_run(tmp_path: Path) -> None:
    """The engine's cancelled calls wait for Python's word that their functions returned; when
    Python dies instead, they stop waiting and the engine exits (nothing is left running)."""
    (tmp_path / "program.py").write_text(textwrap.dedent(PROGRAM))
    program = subprocess.Popen([sys.executable, str(tmp_path / "program.py")], stdout=subprocess.PIPE)
    pidfd: Optional[int] = None
    try:
        line = await asyncio.wait_for(asyncio.to_thread(program.stdout.readline), 60)  # type: ignore[union-attr]
        engine = int(line)
        pidfd = os.pidfd_open(engine)
        program.send_signal(signal.SIGKILL)
        loop = asyncio.get_running_loop()
        exited = loop.create_future()
        loop.add_reader(pidfd, lambda: exited.done() or exited.set_result(None))
        try:
            await asyncio.wait_for(exited, 60)  # readable once the engine process has exited
        finally:
            loop.remove_reader(pidfd)
    finally:
        if pidfd is not None:
            os.close(pidfd)
        program.kill()
        program.wait(30)
