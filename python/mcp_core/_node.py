"""Finding what runs the engine: Node.js 24 or newer, and the engine's bundled JavaScript.

Node is looked for in this order: ``MCP_CORE_NODE``; ``node`` on ``PATH``; the ``node`` that
``npm ci`` pinned in the checkout the package was built from (recorded in
``_engine/build.json``). The first one that is 24 or newer is used; none gives one
:class:`NodeNotFoundError` saying what was found and what to install.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Optional

from .errors import MCPConnectionError, NodeNotFoundError

MIN_NODE_MAJOR = 24
ENGINE_DIR = Path(__file__).resolve().parent / "_engine"

_checked: dict[str, Optional[str]] = {}


async def _version_of(node: str) -> Optional[str]:
    """``node --version`` (e.g. ``v24.21.0``), or None if it does not run."""
    if node in _checked:
        return _checked[node]
    try:
        process = await asyncio.create_subprocess_exec(
            node, "--version", stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        out, _ = await process.communicate()
        version = out.decode().strip() if process.returncode == 0 else None
    except OSError:
        version = None
    _checked[node] = version
    return version


def _major(version: str) -> int:
    try:
        return int(version.lstrip("v").split(".")[0])
    except ValueError:
        return 0


def _recorded_node() -> Optional[str]:
    try:
        build = json.loads((ENGINE_DIR / "build.json").read_text())
    except (OSError, ValueError):
        return None
    node = build.get("node")
    return node if isinstance(node, str) and os.path.exists(node) else None


async def find_node() -> str:
    """The path of a Node.js >= 24 to run the engine with."""
    explicit = os.environ.get("MCP_CORE_NODE")
    if explicit:
        version = await _version_of(explicit)
        if version is not None and _major(version) >= MIN_NODE_MAJOR:
            return explicit
        seen = f"MCP_CORE_NODE={explicit} is {version}" if version else f"MCP_CORE_NODE={explicit} does not run"
        raise NodeNotFoundError(_missing_message([seen]))
    found: list[str] = []
    for node in (shutil.which("node"), _recorded_node()):
        if node is None:
            continue
        version = await _version_of(node)
        if version is not None and _major(version) >= MIN_NODE_MAJOR:
            return node
        found.append(f"{node} is {version}" if version else f"{node} does not run")
    raise NodeNotFoundError(_missing_message(found))


def _missing_message(found: list[str]) -> str:
    seen = "; ".join(found) if found else "no node on PATH"
    return (
        f"mcp_core runs its engine on Node.js {MIN_NODE_MAJOR} or newer, and found none ({seen}). "
        f"Install Node.js {MIN_NODE_MAJOR} (https://nodejs.org, or your package manager), "
        "then put it on PATH or set MCP_CORE_NODE to its path."
    )


#: Node options the engine runs with. V8's young generation is capped at 4 MB a semi-space:
#: serving calls over its stdin and stdout as a gateway, the engine otherwise grows it to
#: tens of MB, and a sixth of each collection survives it to be copied, then promoted and
#: collected again (64 calls in flight: 18 µs of engine CPU a call instead of 12; see
#: docs/ARCHITECTURE.md, "The Python package and the engine pipe").
ENGINE_NODE_OPTIONS = ("--max-semi-space-size=4",)


def engine_script() -> str:
    """The engine's entry point: ``MCP_CORE_ENGINE`` if set, else the bundle shipped in the package."""
    explicit = os.environ.get("MCP_CORE_ENGINE")
    if explicit:
        return explicit
    script = ENGINE_DIR / "dist" / "bin" / "mcp-core.js"
    if not script.exists():
        raise MCPConnectionError(
            f"The mcp-core engine is not in this package ({script} is missing). "
            "Build it before installing: `npm ci && npm run build:python` in the mcp-core checkout, then `pip install ./python`."
        )
    return str(script)
