"""Python tools and callbacks against callers and upstreams that do not play by the rules:
exceptions that end programs (KeyboardInterrupt, SystemExit) raised inside a tool or a callback,
JSON nested deeper than Python's parser goes, and calls cancelled while they wait for a thread.
Each runs the real engine; the tools are served over stdio by `python -m mcp_core serve`, or
called by the manager's own client."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

from conftest import demo_upstream, eventually
from mcp_core import Context, MCPManager, MCPProtocolError

TOOLS = '''
import argparse
import asyncio
import dataclasses

import mcp_core


@mcp_core.tool
def interrupted() -> str:
    raise KeyboardInterrupt("pressed")


@mcp_core.tool
async def interrupted_async() -> str:
    raise KeyboardInterrupt("pressed")


@mcp_core.tool
def parses(flags: str) -> str:
    """Runs argparse on what the caller sent: it exits on what it does not know."""
    argparse.ArgumentParser(prog="parses", exit_on_error=False).parse_args(flags.split())
    return "parsed"


@mcp_core.tool
async def exits_async() -> str:
    raise SystemExit(3)


@mcp_core.tool
async def awaits_a_cancelled_future() -> str:
    future = asyncio.get_running_loop().create_future()
    future.cancel()
    return await future


@mcp_core.tool
def tree(value: dict) -> str:
    return "read"


@mcp_core.tool
def greet(name: str) -> str:
    return f"Hello, {name}!"


@mcp_core.tool
def size(data: bytes) -> str:
    return str(len(data))


@dataclasses.dataclass
class Point:
    x: int


@mcp_core.tool
def where(at: Point) -> str:
    return f"at {at.x}"


@mcp_core.tool
def count(n: int) -> str:
    return type(n).__name__
'''


def serve_stdio(tmp_path: Path, lines: list[str]) -> list[dict[str, Any]]:
    """Runs `python -m mcp_core serve tools.py --stdio` with these client lines; its answers by id."""
    (tmp_path / "tools.py").write_text(TOOLS)
    handshake = [
        json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "mcp_core", "serve", "tools.py", "--stdio"],
        input="".join(line + "\n" for line in handshake + lines).encode(),
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return sorted((json.loads(line) for line in done.stdout.splitlines()), key=lambda answer: answer["id"])[1:]


def call(request_id: int, name: str, arguments: str = "{}") -> str:
    """A tools/call line, its arguments as raw JSON text."""
    return f'{{"jsonrpc":"2.0","id":{request_id},"method":"tools/call","params":{{"name":"{name}","arguments":{arguments}}}}}'


def text_of(answer: dict[str, Any]) -> str:
    return answer["result"]["content"][0]["text"]


async def test_keyboard_interrupt_and_system_exit_raised_by_a_tool_are_error_results_and_serving_goes_on(tmp_path: Path) -> None:
    """They were raised on out of the event loop: one call ended the process serving all the others."""
    answers = await asyncio.to_thread(
        serve_stdio,
        tmp_path,
        [
            call(1, "interrupted"),
            call(2, "interrupted_async"),
            call(3, "parses", '{"flags":"--no-such-flag"}'),
            call(4, "exits_async"),
            call(5, "awaits_a_cancelled_future"),
            call(6, "greet", '{"name":"Ada"}'),
        ],
    )
    assert [answer["id"] for answer in answers] == [1, 2, 3, 4, 5, 6]
    for answer in answers[:5]:
        assert answer["result"]["isError"] is True, answer
    assert text_of(answers[0]) == "KeyboardInterrupt: pressed"
    assert text_of(answers[1]) == "KeyboardInterrupt: pressed"
    assert text_of(answers[2]).startswith("SystemExit: 2")
    assert text_of(answers[3]) == "SystemExit: 3"
    # Its own CancelledError, not the caller's cancellation: answered, not left waiting.
    assert text_of(answers[4]).startswith("CancelledError")
    assert text_of(answers[5]) == "Hello, Ada!"


async def test_arguments_nested_deeper_than_python_parses_are_an_invalid_arguments_result(tmp_path: Path) -> None:
    """The engine takes 3,000 levels, Python's parser about 1,000: the line raised RecursionError
    in the pipe's reader, the call was never answered and the lines read with it were lost."""
    depth = 3000
    answers = await asyncio.to_thread(
        serve_stdio,
        tmp_path,
        [call(1, "tree", '{"value":' + '{"a":' * depth + "1" + "}" * depth + "}"), call(2, "greet", '{"name":"Grace"}')],
    )
    assert answers[0]["result"] == {"content": [{"type": "text", "text": "Invalid arguments: it nests deeper than Python's JSON parser goes"}], "isError": True}
    assert text_of(answers[1]) == "Hello, Grace!"


async def test_arguments_a_function_cannot_take_are_an_invalid_arguments_result(tmp_path: Path) -> None:
    """Arguments the schema lets through but Python cannot convert were a JSON-RPC internal
    error (-32603), where the spec makes input validation errors tool execution errors; base64
    with characters outside its alphabet was decoded with them skipped."""
    answers = await asyncio.to_thread(
        serve_stdio,
        tmp_path,
        [
            call(1, "size", '{"data":"!!!x"}'),
            call(2, "size", '{"data":"*aGk="}'),
            call(3, "size", '{"data":"aGk="}'),
            call(4, "where", '{"at":{"x":1,"extra":2}}'),
            call(5, "count", '{"n":12345678901234567890123}'),
        ],
    )
    for answer in answers[:2]:
        assert answer["result"]["isError"] is True, answer
        assert text_of(answer).startswith("Invalid arguments for tool size: Error: "), answer
    assert text_of(answers[2]) == "2"
    # Keys that are no field of the dataclass are left out, as unknown arguments are.
    assert text_of(answers[3]) == "at 1"
    # An integer past 2**53 comes as a float: an int parameter gets an int.
    assert text_of(answers[4]) == "int"


DEEP_UPSTREAM = r'''
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if "id" not in message:
        continue
    method, reply = message.get("method"), {"jsonrpc": "2.0", "id": message["id"]}
    if method == "initialize":
        reply["result"] = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": {"name": "deep", "version": "1"}}
    elif method == "tools/list":
        reply["result"] = {"tools": [{"name": "deep", "inputSchema": {"type": "object"}}, {"name": "flat", "inputSchema": {"type": "object"}}]}
    elif method == "tools/call" and message["params"]["name"] == "deep":
        # 990 levels: within the engine's bound on results (1,000), past Python's parser.
        sys.stdout.write(json.dumps(reply)[:-1] + ',"result":{"content":[],"structuredContent":{"x":' + "[" * 990 + "]" * 990 + "}}}\n")
        sys.stdout.flush()
        continue
    elif method == "tools/call":
        reply["result"] = {"content": [{"type": "text", "text": "flat"}]}
    elif method == "ping":
        reply["result"] = {}
    else:
        reply["error"] = {"code": -32601, "message": "Method not found"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
'''


async def test_an_upstream_answer_nested_deeper_than_python_parses_fails_its_call(tmp_path: Path) -> None:
    """It was dropped as it was read: execute_tool waited forever, and so did calls answered in the same read."""
    (tmp_path / "deep.py").write_text(DEEP_UPSTREAM)
    async with MCPManager({"mcpServers": {"up": {"command": sys.executable, "args": [str(tmp_path / "deep.py")]}}}) as m:
        deep = asyncio.ensure_future(m.execute_tool("up__deep"))
        flat = asyncio.ensure_future(m.execute_tool("up__flat"))
        outcomes = await asyncio.wait_for(asyncio.gather(deep, flat, return_exceptions=True), 60)
        assert isinstance(outcomes[0], MCPProtocolError), outcomes[0]
        assert "nests deeper than Python's JSON parser goes" in str(outcomes[0])
        assert outcomes[1].text == "flat"


MALFORMED_UPSTREAM = r'''
import json, sys
# What each tool's call is answered with, as raw JSON text: JSON-RPC wants an error's code to be
# an integer and its message a string, and a result to be an object here.
ANSWERS = {
    "half": '"error":{"code":1.5,"message":"half"}',
    "huge": '"error":{"code":1e400,"message":"huge"}',
    "wordless": '"error":{"code":-32000,"message":{"no":1}}',
    "bare": '"error":"denied"',
    "hollow": '"result":null',
    "both": '"result":{"content":[{"type":"text","text":"both"}]},"error":{"code":-32000,"message":"no"}',
    "fine": '"result":{"content":[{"type":"text","text":"fine"}]}',
    # The gateway's own report of a failed upstream, written by this one about another.
    "spoof": '"result":{"content":[{"type":"text","text":"no"}],"isError":true,"_meta":{"mcp-core/upstreamFailure":{"upstream":"files","reason":"breaker_open"},"kept":1}}',
}
for line in sys.stdin:
    message = json.loads(line)
    if "id" not in message:
        continue
    method = message.get("method")
    if method == "initialize":
        body = '"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"malformed","version":"1"}}'
    elif method == "tools/list":
        body = '"result":' + json.dumps({"tools": [{"name": name, "inputSchema": {"type": "object"}} for name in ANSWERS]})
    elif method == "tools/call":
        body = ANSWERS[message["params"]["name"]]
    elif method == "ping":
        body = '"result":{}'
    else:
        body = '"error":{"code":-32601,"message":"Method not found"}'
    sys.stdout.write('{"jsonrpc":"2.0","id":' + json.dumps(message["id"]) + "," + body + "}\n")
    sys.stdout.flush()
'''


async def test_an_upstream_answer_that_is_no_json_rpc_answer_fails_its_call_at_once(tmp_path: Path) -> None:
    """An error whose message is not a string, an error that is not an object, a result that is
    not an object: each waited for the upstream's timeout (60 s here) and failed as slow. A result
    beside an error was the call's result."""
    (tmp_path / "malformed.py").write_text(MALFORMED_UPSTREAM)
    upstream = {"command": sys.executable, "args": [str(tmp_path / "malformed.py")], "timeoutMs": 60_000}
    expected = {
        "half": "a malformed error: code is 1.5, not an integer",
        "huge": "a malformed error: code is Infinity, not an integer",
        "wordless": "a malformed error: message is an object, not a string",
        "bare": 'a malformed error: it is "denied", not an object',
        "hollow": "a malformed result: it is null, not an object",
        "both": "a malformed response: it has both a result and an error",
    }
    async with MCPManager({"mcpServers": {"up": upstream}}) as m:
        calls = [m.execute_tool(f"up__{name}") for name in expected]
        outcomes = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 10)
        for (name, says), outcome in zip(expected.items(), outcomes):
            assert isinstance(outcome, MCPProtocolError), (name, outcome)
            assert outcome.code == -32603, (name, outcome.code)
            assert str(outcome) == f'Upstream "up" answered tools/call with {says}', name
        # The upstream answered: it is alive, and none of it counts against its breaker.
        assert (await m.execute_tool("up__fine")).text == "fine"
        health = await m.health()
        assert health["upstreams"][0]["breaker"] == "closed", health


async def test_an_upstream_cannot_pass_its_error_off_as_another_upstreams_failure(tmp_path: Path) -> None:
    """The key under which the engine names a failed upstream came through from an upstream's
    own result: its isError answer raised MCPConnectionError saying upstream "files" had its
    breaker open. Now the key is dropped: the call's result is the upstream's own error."""
    (tmp_path / "malformed.py").write_text(MALFORMED_UPSTREAM)
    async with MCPManager({"mcpServers": {"up": {"command": sys.executable, "args": [str(tmp_path / "malformed.py")]}}}) as m:
        result = await asyncio.wait_for(m.execute_tool("up__spoof"), 20)
        assert result.is_error and result.text == "no"
        assert result.meta == {"kept": 1}, result.meta


async def test_a_question_callback_raising_system_exit_fails_that_question_only(tmp_path: Path) -> None:
    """In a subprocess: before, SystemExit ended the program that ran the manager."""
    script = tmp_path / "program.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, sys
            from mcp_core import MCPManager, MCPProtocolError

            def answer(question):
                raise SystemExit("no")

            async def main():
                async with MCPManager({{"mcpServers": {{"demo": {demo_upstream()!r}}}}}, on_elicit=answer) as m:
                    try:
                        await m.execute_tool("demo__ask", {{"question": "Proceed?"}})
                    except MCPProtocolError as error:
                        print("asked:", error)
                    print("then:", (await m.execute_tool("demo__echo", {{"text": "still here"}})).text)

            asyncio.run(main())
            """
        )
    )
    done = await asyncio.to_thread(subprocess.run, [sys.executable, str(script)], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "asked: SystemExit: no", lines
    assert lines[1] == "then: still here"


async def test_calls_cancelled_while_waiting_for_a_thread_hold_nothing_and_running_ones_keep_their_place() -> None:
    """Plain functions that block forever took every thread; calls cancelled while waiting for
    one stayed in the pool's queue with their arguments until a thread was free: never."""
    release = threading.Event()
    saw_cancel: list[bool] = []

    def block(ctx: Context) -> str:
        release.wait(60)
        saw_cancel.append(ctx.cancelled)
        return "returned"

    def take(data: str) -> int:
        return len(data)

    started = threading.Semaphore(0)

    def block_and_say(ctx: Context) -> str:
        started.release()
        return block(ctx)

    block_and_say.__name__ = "block"
    async with MCPManager(tools=[block_and_say, take], max_workers=2) as m:
        blocked = [asyncio.ensure_future(m.execute_tool("block")) for _ in range(2)]
        for _ in range(2):
            assert await asyncio.to_thread(started.acquire, True, 60)
        for call in blocked:
            call.cancel()
        waiting = [asyncio.ensure_future(m.execute_tool("take", {"data": "x" * 100_000})) for _ in range(50)]
        await asyncio.sleep(0)
        for call in waiting:
            call.cancel()
        await asyncio.gather(*blocked, *waiting, return_exceptions=True)
        executor = m._executor
        assert executor is not None
        # Every cancellation reached Python (a round trip each way): nothing is left queued.
        async def drained() -> bool:
            await m.health()
            return executor._work_queue.qsize() == 0 and not m._engine.pipe.tools._serving  # type: ignore[union-attr]

        await eventually(drained)
        # The cancelled functions still run and keep their places: a new call waits for one.
        later = asyncio.ensure_future(m.execute_tool("take", {"data": "abc"}))
        done, _ = await asyncio.wait([later], timeout=0.5)
        assert not done
        release.set()
        assert (await asyncio.wait_for(later, 60)).text == "3"
        # `later` may take the thread of the first blocked call to return before the second
        # has returned too: both are waited for.
        async def both_returned() -> bool:
            await m.health()
            return len(saw_cancel) == 2

        await eventually(both_returned)
        assert saw_cancel == [True, True]
