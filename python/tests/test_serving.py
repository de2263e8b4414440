"""Python tools served to other MCP clients: the official TypeScript SDK over HTTP, and
`python -m mcp_core serve` over HTTP and stdio; and the sync facade used from threads."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import NODE, demo_upstream
from mcp_core import Context, MCPManager, MCPToolError
from mcp_core import sync

HERE = Path(__file__).resolve().parent
CLIENT = str(HERE / "sdk_http_client.mjs")


async def sdk_call(url: str, tool: str, args: dict) -> dict:
    process = await asyncio.create_subprocess_exec(NODE, CLIENT, url, tool, json.dumps(args), stdout=subprocess.PIPE)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    return json.loads(out)


async def test_a_python_tool_called_by_the_typescript_sdk_over_http() -> None:
    async def countdown(start: int, ctx: Context) -> str:
        """Counts down from start, reporting each step."""
        for step in range(start):
            ctx.report_progress(step + 1, start)
        return f"{start}... liftoff"

    async with MCPManager({"mcpServers": {"demo": demo_upstream()}}, tools=[countdown], http="127.0.0.1:0") as m:
        assert m.url is not None and m.url.startswith("http://127.0.0.1:")
        answer = await sdk_call(m.url, "countdown", {"start": 3})
        assert answer["result"]["content"] == [{"type": "text", "text": "3... liftoff"}]
        assert answer["progress"] == [1, 2, 3]
        names = {tool["name"] for tool in answer["tools"]}
        assert {"countdown", "demo__echo"} <= names
        described = next(tool for tool in answer["tools"] if tool["name"] == "countdown")
        assert described["description"] == "Counts down from start, reporting each step."
        assert described["inputSchema"]["required"] == ["start"]
        # The same engine, called from Python at the same time.
        assert (await m.execute_tool("countdown", {"start": 1})).text == "1... liftoff"


def run_cli(*args: str, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mcp_core", *args], stdout=subprocess.PIPE, **options)


TOOLS_FILE = '''
import mcp_core

@mcp_core.tool
def greet(name: str) -> str:
    """Greets someone."""
    return f"Hello, {name}!"
'''


async def test_serve_over_http_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "my_tools.py").write_text(TOOLS_FILE)
    server = run_cli("serve", "my_tools.py", "--http", "127.0.0.1:0", cwd=tmp_path)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(server.stdout.readline), 60)
        assert line.startswith(b"mcp_core serving Streamable HTTP at http://127.0.0.1:")
        url = line.decode().rsplit(" ", 1)[1].strip()
        answer = await sdk_call(url, "greet", {"name": "Ada"})
        assert answer["result"]["content"][0]["text"] == "Hello, Ada!"
    finally:
        server.terminate()
        assert await asyncio.to_thread(server.wait, 30) == 0


async def test_serve_over_stdio_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "my_tools.py").write_text(TOOLS_FILE)
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "greet", "arguments": {"name": "Grace"}}},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    # A client may not reach the tools channel: lines starting with @ or # are dropped.
    stdin += '@{"jsonrpc":"2.0","id":9,"method":"tools/list"}\n'
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "mcp_core", "serve", "my_tools.py", "--stdio"], input=stdin.encode(), capture_output=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a.get("id") for a in answers] == [1, 2]
    assert answers[1]["result"]["content"][0]["text"] == "Hello, Grace!"


async def test_the_stdio_relay_refuses_a_line_past_the_engine_limit_under_its_id(tmp_path: Path) -> None:
    """A line longer than the engine reads is dropped as it arrives and answered -32600 under its
    id, as the engine answers one of its own. (The relay used to hold every line whole, joining
    the rest to each chunk: this test took 43 s then, 2 s now.)"""
    (tmp_path / "my_tools.py").write_text(TOOLS_FILE)
    limit = 64 * 1024 * 1024
    # The id last, as the official TypeScript SDK writes it.
    huge = json.dumps({"method": "tools/call", "params": {"name": "greet", "arguments": {"name": "x" * limit}}, "jsonrpc": "2.0", "id": 2})
    lines = [
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        huge,
        json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "greet", "arguments": {"name": "Grace"}}}),
    ]
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mcp_core", "serve", "my_tools.py", "--stdio"],
        input="".join(line + "\n" for line in lines).encode(),
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a.get("id") for a in answers] == [1, 2, 3]
    assert answers[1]["error"] == {"code": -32600, "message": f"Message of {len(huge)} bytes exceeds the limit of {limit} bytes"}
    assert answers[2]["result"]["content"][0]["text"] == "Hello, Grace!"


def test_regression_the_stdio_relay_holds_at_most_one_line_of_the_engine_limit() -> None:
    """The relay's reader on its own, with a small limit: lines cut anywhere come out whole; of
    a line past the limit only its ends are kept, sent on as one #cut line however it arrives;
    lines for the tools channel or the pipe itself are dropped, long or not. (A line that never
    ended grew the relay without end.)"""
    from mcp_core.serve import _LineReader

    class Engine:
        max_message_bytes = 16

        def __init__(self) -> None:
            self.lines: list[bytes] = []

        def write_line(self, line: bytes) -> None:
            self.lines.append(line)

    engine = Engine()
    loop = asyncio.new_event_loop()
    try:
        reader = _LineReader(engine, loop.create_future())  # type: ignore[arg-type]
        chunks = [b'{"a":', b"1}\n{", b'"b":2}\n@{"c":3}\n', b'{"id":7,"x":"', b"x" * 2000, b"y" * 3000, b'"}\n', b"@" + b"z" * 100, b"\n", b'{"d":4}']
        for chunk in chunks:
            reader.data_received(chunk)
            assert sum(map(len, reader._chunks)) <= Engine.max_message_bytes + len(chunk)
        reader.eof_received()
    finally:
        loop.close()
    long_line = '{"id":7,"x":"' + "x" * 2000 + "y" * 3000 + '"}'
    cut = {"bytes": len(long_line), "whole": True, "head": long_line[:1024], "tail": long_line[-1024:]}
    assert engine.lines == [b'{"a":1}', b'{"b":2}', b"#cut " + json.dumps(cut).encode(), b'{"d":4}']


def test_the_sync_facade_from_many_threads() -> None:
    with sync.MCPManager({"mcpServers": {"demo": demo_upstream()}}) as m:
        results: dict[int, list[str]] = {}
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                results[n] = [m.execute_tool("demo__echo", {"text": f"{n}-{i}"}).text for i in range(25)]
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert results == {n: [f"{n}-{i}" for i in range(25)] for n in range(8)}
        assert [t.name for t in m.list_tools()][:1] == ["demo__echo"]
        outcomes = m.execute_batch([("demo__add", {"a": 1, "b": 1}), ("demo__fail", {})], raise_on_error=True)
        assert outcomes[0].text == "2" and isinstance(outcomes[1], MCPToolError)
        assert m.health()["ready"] is True
    with pytest.raises(Exception, match="closed"):
        m.execute_tool("demo__echo", {"text": "x"})


def test_the_sync_facade_times_out_and_cancels() -> None:
    from mcp_core import MCPTimeoutError

    with sync.MCPManager({"demo": True}) as m:
        with pytest.raises(MCPTimeoutError):
            m.execute_tool("sleep", {"ms": 60_000}, timeout=0.3)
        assert m.execute_tool("echo", {"text": "still here"}).text == "still here"


def modern_call(url: str, name: str, args: dict, extra: dict | None = None) -> dict:
    """A 2026-07-28 (stateless) tools/call over HTTP, as the spec frames it."""
    import urllib.request

    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": args, "_meta": meta, **(extra or {})}}
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": name,
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["result"]


async def test_a_python_tool_asks_a_modern_http_caller_across_rounds() -> None:
    runs: list[str] = []

    async def confirm(question: str, ctx: Context) -> str:
        runs.append(question)  # the function runs once, however many rounds its caller takes
        answer = await ctx.elicit(question, {"type": "object", "properties": {"ok": {"type": "boolean"}}})
        return f"{answer['action']} {answer.get('content')}"

    async with MCPManager(tools=[confirm], http="127.0.0.1:0") as m:
        first = await asyncio.to_thread(modern_call, m.url, "confirm", {"question": "Ship it?"})
        assert first["resultType"] == "input_required"
        (key, asked), = first["inputRequests"].items()
        assert asked["method"] == "elicitation/create" and asked["params"]["message"] == "Ship it?"
        extra = {"inputResponses": {key: {"action": "accept", "content": {"ok": True}}}, "requestState": first["requestState"]}
        second = await asyncio.to_thread(modern_call, m.url, "confirm", {"question": "Ship it?"}, extra)
        assert second["content"][0]["text"] == "accept {'ok': True}"
        assert runs == ["Ship it?"]


async def test_the_engines_production_kit_applies_to_python_tools() -> None:
    import urllib.request

    def greet(name: str) -> str:
        return f"hi {name}"

    async with MCPManager({"metrics": {"enabled": True}}, tools=[greet], http="127.0.0.1:0") as m:
        assert (await m.execute_tool("greet", {"name": "a"})).text == "hi a"
        assert (await sdk_call(m.url, "greet", {"name": "b"}))["result"]["content"][0]["text"] == "hi b"
        base = m.url.rsplit("/", 1)[0]
        health = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(f"{base}/healthz", timeout=30).read()))
        assert (health["status"], health["tools_available"]) == ("ok", 1)
        metrics = (await asyncio.to_thread(lambda: urllib.request.urlopen(f"{base}/metrics", timeout=30).read())).decode()
        assert 'mcp_requests_total{method="tools/call",tool="greet",outcome="ok",era="legacy"} 2' in metrics
