/**
 * SDK v1 Streamable HTTP without sessions, as its README shows: a new McpServer and transport
 * for every request (sessionIdGenerator undefined), closed when the response closes. This is
 * legacy-era (2025-11-25) traffic: SDK v1 does not speak the 2026-07-28 revision. Replies are
 * SSE (the SDK default), or with --json single JSON responses (`enableJsonResponse: true`).
 *
 * Usage: node peers/sdk-v1/http-stateless.ts --port PORT [--json]
 */
import { createServer as createHttpServer } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { portArg } from '../tool-set.ts';
import { createServer } from './server.ts';

const enableJsonResponse = process.argv.includes('--json');
const http = createHttpServer({ keepAliveTimeout: 65_000 }, async (req, res) => {
  try {
    const server = createServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500).end(String(error));
  }
});
http.listen(portArg(process.argv), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
