/**
 * SDK v1 Streamable HTTP with sessions, as its README shows: one transport and one McpServer
 * per session, kept in a map by session id. Replies are SSE (the SDK default), or with --json
 * single JSON responses (`enableJsonResponse: true`, the SDK's documented option, which is what
 * mcp-core answers). Served on bare node:http instead of express, which only spares the SDK the
 * framework's cost.
 *
 * Usage: node peers/sdk-v1/http-stateful.ts --port PORT [--json]
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { portArg } from '../tool-set.ts';
import { createServer } from './server.ts';

const enableJsonResponse = process.argv.includes('--json');
const transports = new Map<string, StreamableHTTPServerTransport>();

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const http = createHttpServer({ keepAliveTimeout: 65_000 }, async (req, res) => {
  try {
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (transport === undefined) {
      if (sessionId !== undefined || !isInitializeRequest(body)) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}');
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse,
        onsessioninitialized: (id) => {
          transports.set(id, created);
        },
      });
      created.onclose = () => {
        if (created.sessionId !== undefined) transports.delete(created.sessionId);
      };
      await createServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500).end(String(error));
  }
});
http.listen(portArg(process.argv), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
