"""Shared pieces of the Python package's tests: real engine processes, real upstream servers.

Upstreams: test/fixtures/upstream.ts (mcp-core's own fixture server: echo, slow, hang, crash,
ask, stats...), @modelcontextprotocol/server-everything, and the engine's demo server.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = str(ROOT / "node_modules" / ".bin" / "node")
FIXTURE = str(ROOT / "test" / "fixtures" / "upstream.ts")
EVERYTHING = str(ROOT / "node_modules" / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js")
ENGINE = str(ROOT / "python" / "mcp_core" / "_engine" / "dist" / "bin" / "mcp-core.js")


def fixture_upstream(*args: str, **options: Any) -> dict[str, Any]:
    """An upstream running test/fixtures/upstream.ts over stdio."""
    return {"command": NODE, "args": [FIXTURE, *args], **options}


def everything_upstream(**options: Any) -> dict[str, Any]:
    return {"command": NODE, "args": [EVERYTHING, "stdio"], **options}


def demo_upstream(**options: Any) -> dict[str, Any]:
    """The engine's own demo server (echo, add, sleep, fail, ask) as an upstream."""
    return {"command": NODE, "args": [ENGINE, "serve", "--stdio", "--demo"], **options}


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return tmp_path


def pytest_configure(config: pytest.Config) -> None:
    # The pinned Node first on PATH, as `npm test` runs it, also when pytest is run by hand.
    node_dir = str(Path(NODE).resolve().parent)
    if shutil.which("node") is None or not os.environ.get("PATH", "").startswith(node_dir):
        os.environ["PATH"] = f"{node_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    sys.dont_write_bytecode = True


async def eventually(check, timeout: float = 20):
    """Awaits ``check()`` (a round trip to the engine) again and again until it returns
    something true, and returns it; no sleeping: each check waits on the engine's answer."""
    import asyncio

    async def loop():
        while True:
            value = await check()
            if value:
                return value

    return await asyncio.wait_for(loop(), timeout)
