"""mcp_core: the mcp-core MCP engine, driven from Python.

    from mcp_core import MCPManager

    async with MCPManager({"mcpServers": {"files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]}}}) as m:
        result = await m.execute_tool("files__read_text_file", {"path": "README.md"}, timeout=10)
        print(result.text)

The engine is a Node.js program shipped inside this package; it needs Node.js 24 or newer.
``mcp_core.sync.MCPManager`` is the same API without asyncio, safe from several threads.
Functions decorated with :func:`tool` are served by the engine as MCP tools
(``python -m mcp_core serve my_tools.py --http 127.0.0.1:3000``).
"""

from .errors import (
    MCPConfigError,
    MCPConnectionError,
    MCPException,
    MCPProtocolError,
    MCPTimeoutError,
    MCPToolError,
    NodeNotFoundError,
    UpstreamFailure,
)
from .manager import MCPManager
from .results import Binary, Progress, ToolInfo, ToolResult
from .tools import Context, ToolRegistry, registry, tool

__version__ = "0.1.0"

__all__ = [
    "Binary",
    "Context",
    "MCPConfigError",
    "MCPConnectionError",
    "MCPException",
    "MCPManager",
    "MCPProtocolError",
    "MCPTimeoutError",
    "MCPToolError",
    "NodeNotFoundError",
    "Progress",
    "ToolInfo",
    "ToolRegistry",
    "ToolResult",
    "UpstreamFailure",
    "registry",
    "tool",
]
