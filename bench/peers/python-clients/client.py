"""A Python MCP client under load, for the mcp-core benchmarks: mcp_core's MCPManager, the
official SDK's ClientSession (`mcp` on PyPI) or the `fastmcp` Client, calling the echo tool of
one stdio server.

    python client.py --client mcp_core|mcp|fastmcp --inflight N -- SERVER_COMMAND...

It reads commands on stdin, one per line: `run MS` calls echo for MS milliseconds with N calls
in flight (N tasks, each calling in a loop) and prints one JSON line: calls, seconds, errors,
p50 and p99 in ms, and the first problem seen. `quit` ends it. mcp_core reaches the server
through its engine (a gateway in between, the server as its upstream `up`); the others
connect to it directly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from contextlib import AsyncExitStack
from typing import Any, Awaitable, Callable

TEXT = "hello"


async def open_mcp_core(stack: AsyncExitStack, server: list[str]) -> Callable[[], Awaitable[str]]:
    from mcp_core import MCPManager

    config = {"mcpServers": {"up": {"command": server[0], "args": server[1:], "maxConcurrency": 1024, "maxQueue": 4096}}}
    manager = await stack.enter_async_context(MCPManager(config))

    async def call() -> str:
        return (await manager.execute_tool("up__echo", {"text": TEXT})).text

    return call


async def open_mcp(stack: AsyncExitStack, server: list[str]) -> Callable[[], Awaitable[str]]:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    read, write = await stack.enter_async_context(stdio_client(StdioServerParameters(command=server[0], args=server[1:])))
    session = await stack.enter_async_context(ClientSession(read, write))
    await session.initialize()

    async def call() -> str:
        return (await session.call_tool("echo", {"text": TEXT})).content[0].text

    return call


async def open_fastmcp(stack: AsyncExitStack, server: list[str]) -> Callable[[], Awaitable[str]]:
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport

    client = await stack.enter_async_context(Client(StdioTransport(command=server[0], args=server[1:])))

    async def call() -> str:
        return (await client.call_tool("echo", {"text": TEXT})).content[0].text

    return call


OPENERS = {"mcp_core": open_mcp_core, "mcp": open_mcp, "fastmcp": open_fastmcp}


async def run(call: Callable[[], Awaitable[str]], inflight: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    problem: str | None = None
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors, problem
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                text = await call()
                if text != TEXT:
                    raise ValueError(f"echo returned {text!r}")
                latencies.append(time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors += 1
                problem = problem or f"{type(error).__name__}: {error}"

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(inflight)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def quantile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    return {"calls": len(latencies), "seconds": elapsed, "errors": errors, "p50": quantile(0.5), "p99": quantile(0.99), "problem": problem}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", choices=sorted(OPENERS), required=True)
    parser.add_argument("--inflight", type=int, default=1)
    parser.add_argument("server", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    server = args.server[1:] if args.server[:1] == ["--"] else args.server
    loop = asyncio.get_running_loop()
    async with AsyncExitStack() as stack:
        call = await OPENERS[args.client](stack, server)
        print(json.dumps({"ready": True}), flush=True)
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "quit":
                break
            command, _, value = line.strip().partition(" ")
            if command == "run":
                print(json.dumps(await run(call, args.inflight, int(value) / 1000)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
