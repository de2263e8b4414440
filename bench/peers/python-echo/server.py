"""The echo tool served by the official Python SDK (`mcp` on PyPI), for the mcp-core benchmarks.

mcp 2.x renamed FastMCP to MCPServer; this is that high-level server.

    python server.py --stdio
    python server.py --port PORT [--sessions [--max-sessions N]]

HTTP is Streamable HTTP at /mcp. Without --sessions it runs stateless with plain JSON replies
(stateless_http + json_response), its fastest correct mode; --sessions keeps legacy sessions.
"""

import argparse

from mcp.server.mcpserver import MCPServer

# WARNING keeps uvicorn's per-request access log out of the measurement.
server = MCPServer("python-bench", log_level="WARNING")


@server.tool(description="Returns the text it is given.", structured_output=False)
def echo(text: str) -> str:
    # A plain str result becomes one text content block, like every other peer's.
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdio", action="store_true")
    parser.add_argument("--port", type=int)
    parser.add_argument("--sessions", action="store_true")
    # The SDK caps open sessions (10,000 by default); the memory workload needs a few more.
    parser.add_argument("--max-sessions", type=int)
    args = parser.parse_args()
    if args.stdio:
        server.run("stdio")
        return
    stateless = not args.sessions
    limits = {} if args.max_sessions is None else {"max_sessions": args.max_sessions}
    server.run(
        "streamable-http",
        host="127.0.0.1",
        port=args.port,
        stateless_http=stateless,
        json_response=stateless,
        **limits,
    )


if __name__ == "__main__":
    main()
