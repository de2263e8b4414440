"""The echo tool as a Python function served by mcp-core's engine, for the mcp-core benchmarks:

    python -m mcp_core serve echo_tool.py --http 127.0.0.1:PORT

The same function the official SDK's peer serves (peers/python-echo/server.py): a plain
(synchronous) function returning its text.
"""

import mcp_core


@mcp_core.tool(description="Returns the text it is given.")
def echo(text: str) -> str:
    return text
