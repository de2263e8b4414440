"""FastMCP's proxy (`fastmcp` on PyPI) in front of one upstream, for the gateway workload.

    python proxy.py --port PORT -- COMMAND ARGS...     (a stdio upstream the proxy starts)
    python proxy.py --port PORT --url URL              (an HTTP upstream)

`create_proxy` with a Client connected once, before serving: FastMCP reuses that session for
every call (its documented way to keep one upstream connection; a disconnected client or a
plain target would open a new upstream session, a new process for stdio, per request). The
front is Streamable HTTP at /mcp, stateless with plain JSON replies, on uvicorn with uvloop and
httptools, as the Python SDK peer is served.
"""

import argparse
import asyncio
import logging

import uvicorn
from fastmcp import Client
from fastmcp.client.transports import StdioTransport, StreamableHttpTransport
from fastmcp.server import create_proxy


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--url")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    if args.url:
        transport = StreamableHttpTransport(args.url)
    else:
        transport = StdioTransport(command=args.command[0], args=args.command[1:])
    async with Client(transport) as client:
        proxy = create_proxy(client, name="fastmcp-proxy-bench")
        app = proxy.http_app(path="/mcp", stateless_http=True, json_response=True)
        config = uvicorn.Config(app, host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", log_level="warning", access_log=False)
        await uvicorn.Server(config).serve()


if __name__ == "__main__":
    logging.getLogger("fastmcp").setLevel(logging.WARNING)
    asyncio.run(main())
