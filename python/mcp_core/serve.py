"""``python -m mcp_core serve FILE``: the tools a Python file registers (``@mcp_core.tool``),
served by the engine to MCP clients over Streamable HTTP or stdio, with the engine's whole
production kit, in both protocol eras.

    python -m mcp_core serve my_tools.py --http 127.0.0.1:3000
    python -m mcp_core serve my_tools.py --stdio
    python -m mcp_core serve my_tools.py --http 127.0.0.1:3000 --config gateway.yaml
    python -m mcp_core cli serve --stdio --demo       # the mcp-core command line itself

With ``--config``, the engine's settings apply (auth, limits, TLS, ...) and the upstreams of its
``mcpServers`` are served beside the Python tools. Over stdio, this process relays the client's
messages to the engine and back; SIGINT and SIGTERM shut the engine down gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from ._node import engine_script, find_node
from ._pipe import CONTROL_END, CONTROL_PREFIX, TOOLS_PREFIX, EnginePipe
from .errors import MCPException
from .manager import Config, MCPManager
from .tools import ToolRegistry, registry


def load_tools(path: str) -> None:
    """Runs a Python file as a module, so its ``@mcp_core.tool`` functions register."""
    file = Path(path).resolve()
    if not file.is_file():
        raise SystemExit(f"mcp_core serve: no such file: {path}")
    sys.path.insert(0, str(file.parent))
    spec = importlib.util.spec_from_file_location(file.stem, file)
    if spec is None or spec.loader is None:
        raise SystemExit(f"mcp_core serve: cannot load {path} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[file.stem] = module
    spec.loader.exec_module(module)


class _StdioRelay(MCPManager):
    """A manager whose manager channel belongs to another client: this process's stdin/stdout."""

    async def _handshake(self, pipe: EnginePipe) -> None:
        out = sys.stdout.buffer

        def relay(line: bytes) -> None:
            out.write(line + b"\n")
            out.flush()

        pipe.relay = relay


#: How much of each end of a line too long is kept, for the engine to find its id in (as it
#: keeps of its own, transport/ndjson.ts).
_CUT_END_BYTES = 1024


def _text(end: bytes) -> str:
    """An end of a line as text; a character cut in two becomes U+FFFD, as in the engine."""
    return end.decode("utf-8", errors="replace")


class _LineReader(asyncio.Protocol):
    """The client's lines from stdin, passed to the engine; lines for the tools channel are refused.

    A line is held until its newline, in pieces joined once (joining the rest to each new chunk
    copied a long line again for every chunk of it), and at most as long as the engine reads:
    past that, only its first and last KiB are kept, and at its end the engine is sent those in
    a ``#cut`` line, to answer it as it answers a line too long of its own (under its id when
    its ends show it). A client that never ended a line grew this process without end."""

    def __init__(self, pipe: EnginePipe, done: asyncio.Future[None]) -> None:
        self._pipe = pipe
        self._done = done
        self._chunks: list[bytes] = []
        self._size = 0
        #: Set while a line past the limit goes by: its first bytes, and its last bytes so far.
        self._cut: Optional[tuple[bytes, bytearray]] = None

    def data_received(self, data: bytes) -> None:
        start = 0
        newline = data.find(b"\n")
        while newline != -1:
            self._hold(data[start:newline])
            self._line_ended(whole=True)
            start = newline + 1
            newline = data.find(b"\n", start)
        if start < len(data):
            self._hold(data[start:])

    def _hold(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._cut is not None:
            tail = self._cut[1]
            tail += piece[-_CUT_END_BYTES:]
            del tail[:-_CUT_END_BYTES]
            return
        self._chunks.append(piece)
        if self._size > self._pipe.max_message_bytes:
            head, tail = bytearray(), bytearray()
            for chunk in self._chunks:
                head += chunk[: _CUT_END_BYTES - len(head)]
            for chunk in reversed(self._chunks):
                if len(tail) < _CUT_END_BYTES:
                    tail[:0] = chunk[len(tail) - _CUT_END_BYTES :]
            self._chunks = []
            self._cut = (bytes(head), tail)

    def _line_ended(self, whole: bool) -> None:
        cut, size = self._cut, self._size
        if cut is None:
            self._send(b"".join(self._chunks))
        elif not cut[0].lstrip().startswith((TOOLS_PREFIX, CONTROL_PREFIX)):
            ends = {"bytes": size, "whole": whole, "head": _text(cut[0]), "tail": _text(bytes(cut[1]))}
            self._pipe.write_line(b"#cut " + json.dumps(ends).encode())
        self._chunks, self._size, self._cut = [], 0, None

    def _send(self, line: bytes) -> None:
        # The client's lines are the manager channel's only: never the tools channel's, nor control lines.
        if line.strip() and not line.lstrip().startswith((TOOLS_PREFIX, CONTROL_PREFIX)):
            self._pipe.write_line(line)

    def eof_received(self) -> Optional[bool]:
        if self._size > 0:
            self._line_ended(whole=False)
        if not self._done.done():
            self._done.set_result(None)
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if not self._done.done():
            self._done.set_result(None)


async def serve(
    tools: ToolRegistry = registry,
    *,
    http: Optional[str] = None,
    stdio: bool = False,
    config: Config = None,
    announce: bool = True,
) -> None:
    """Serves ``tools`` until SIGINT/SIGTERM (HTTP) or until the stdio client closes stdin."""
    if http is None and not stdio:
        http = "127.0.0.1:3000"
    loop = asyncio.get_running_loop()
    manager = (_StdioRelay if stdio else MCPManager)(config, tools=tools, http=http, auto_restart=False)
    await manager.start()
    engine = manager._engine
    assert engine is not None
    if announce and manager.url:
        # Over stdio, stdout carries only MCP messages.
        print(f"mcp_core serving Streamable HTTP at {manager.url}", file=sys.stderr if stdio else sys.stdout, flush=True)
    stop = loop.create_future()

    def on_signal() -> None:
        if not stop.done():
            stop.set_result(None)
        elif engine.pipe.transport is not None:
            engine.pipe.transport.send_signal(signal.SIGTERM)  # a second signal: hurry

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    client_gone = loop.create_future()
    if stdio:
        await loop.connect_read_pipe(lambda: _LineReader(engine.pipe, client_gone), sys.stdin)
    await asyncio.wait([stop, client_gone, engine.pipe.exited], return_when=asyncio.FIRST_COMPLETED)
    if not engine.pipe.exited.done():
        # The engine shuts down gracefully: calls in flight finish, answered (the pipe stays
        # open: answers of Python's tools travel on it). `#end` comes after the client's last
        # message on the pipe, so the engine reads every message before it stops.
        if client_gone.done():
            engine.pipe.write_line(CONTROL_END)
        elif engine.pipe.transport is not None:
            engine.pipe.transport.send_signal(signal.SIGTERM)
        await engine.pipe.exited
    await manager.close()


def run_cli(arguments: Sequence[str]) -> None:
    """Replaces this process with the engine's command line (stdio passes straight through)."""
    try:
        node = asyncio.run(find_node())
        script = engine_script()
    except MCPException as error:
        print(f"mcp_core cli: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    os.execv(node, [node, script, *arguments])


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcp_core", description="Serve Python tools through the mcp-core engine.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the @mcp_core.tool functions of a Python file")
    serve_parser.add_argument("file", help="a Python file whose @mcp_core.tool functions are served")
    serve_parser.add_argument("--http", metavar="HOST:PORT", help="serve Streamable HTTP (default 127.0.0.1:3000 unless --stdio)")
    serve_parser.add_argument("--stdio", action="store_true", help="serve over stdin/stdout")
    serve_parser.add_argument("--config", action="append", metavar="FILE", help="engine settings (JSON or YAML); again for an override file")
    cli_parser = commands.add_parser("cli", help="run the mcp-core command line the package ships (serve, tools, call, config check, login)")
    cli_parser.add_argument("arguments", nargs=argparse.REMAINDER, help="its arguments, e.g. serve --stdio --demo")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["cli"]:
        run_cli(arguments[1:])  # its own options, --help included, are the command line's
    args = parser.parse_args(arguments)
    load_tools(args.file)
    config: Any = args.config if args.config else None
    try:
        asyncio.run(serve(registry, http=args.http, stdio=args.stdio, config=config))
    except MCPException as error:
        print(f"mcp_core serve: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
