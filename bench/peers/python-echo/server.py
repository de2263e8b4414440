"""The echo tool served by the official Python SDK (`mcp` on PyPI), for the mcp-core benchmarks.

mcp 2.x renamed FastMCP to MCPServer; this is that high-level server.

    python server.py --stdio [--tools N]
    python server.py --port PORT [--sessions [--max-sessions N]] [--tools N]

HTTP is Streamable HTTP at /mcp on uvicorn with uvloop and httptools, uvicorn's fastest
documented setup (MCPServer.run would start uvicorn inside anyio's default asyncio loop, so the
app is served by uvicorn.run directly). Without --sessions it runs stateless with plain JSON
replies (stateless_http + json_response), its fastest correct mode; --sessions keeps legacy
sessions. --tools N serves N tools in all (echo and N-1 small ones) for the tools/list workload.
"""

import argparse

import uvicorn
from mcp.server.mcpserver import MCPServer

# WARNING keeps uvicorn's per-request access log out of the measurement.
server = MCPServer("python-bench", log_level="WARNING")


@server.tool(description="Returns the text it is given.", structured_output=False)
def echo(text: str) -> str:
    # A plain str result becomes one text content block, like every other peer's.
    return text


def add_many_tools(count: int) -> None:
    """Tool i of the many-tools workload, as bench/peers/tool-set.ts describes it."""

    def make(i: int) -> None:
        def tool(value: str) -> str:
            return value

        server.add_tool(
            tool,
            name=f"tool_{i:04d}",
            description=f"Benchmark tool number {i}; returns its argument.",
            structured_output=False,
        )

    for i in range(1, count):
        make(i)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio", action="store_true")
    parser.add_argument("--port", type=int)
    parser.add_argument("--sessions", action="store_true")
    # The SDK caps open sessions (10,000 by default); the memory workload needs a few more.
    parser.add_argument("--max-sessions", type=int)
    parser.add_argument("--tools", type=int, default=0)
    args = parser.parse_args()
    add_many_tools(args.tools)
    if args.stdio:
        server.run("stdio")
        return
    stateless = not args.sessions
    limits = {} if args.max_sessions is None else {"max_sessions": args.max_sessions}
    app = server.streamable_http_app(stateless_http=stateless, json_response=stateless, **limits)
    uvicorn.run(app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", log_level="warning")


if __name__ == "__main__":
    main()
