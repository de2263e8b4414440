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


class _LineReader(asyncio.Protocol):
    """The client's lines from stdin, passed to the engine; lines for the tools channel are refused."""

    def __init__(self, pipe: EnginePipe, done: asyncio.Future[None]) -> None:
        self._pipe = pipe
        self._done = done
        self._rest = b""

    def data_received(self, data: bytes) -> None:
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        for line in lines:
            self._send(line)

    def _send(self, line: bytes) -> None:
        # The client's lines are the manager channel's only: never the tools channel's, nor control lines.
        if line.strip() and not line.lstrip().startswith((TOOLS_PREFIX, CONTROL_PREFIX)):
            self._pipe.write_line(line)

    def eof_received(self) -> Optional[bool]:
        self._send(self._rest)
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
