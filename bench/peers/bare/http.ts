/**
 * The HTTP floor: node:http, JSON.parse, JSON.stringify, one write with a Content-Length.
 * It answers the same echo result as the MCP servers, and keeps a set of session ids so the
 * legacy-session workload pays for a lookup as a real server does. No MCP validation at all.
 *
 * Usage: node peers/bare/http.ts --port PORT
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const MODERN_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const SERVER_INFO_META = { 'io.modelcontextprotocol/serverInfo': { name: 'bare-node', version: '0.1.0' } };
const sessions = new Set<string>();

interface Request {
  id?: string | number;
  method?: string;
  params?: { name?: string; arguments?: { text?: string }; protocolVersion?: string; _meta?: Record<string, unknown> };
}

function send(res: ServerResponse, status: number, body: string, extra: string[] = []): void {
  res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), ...extra]).end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
  const request = JSON.parse(text) as Request;
  const sessionId = req.headers['mcp-session-id'];
  if (typeof sessionId === 'string' && !sessions.has(sessionId)) return send(res, 404, '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"}}');
  if (request.id === undefined) {
    res.writeHead(202).end();
    return;
  }
  const params = request.params ?? {};
  if (request.method === 'initialize') {
    const id = randomUUID();
    sessions.add(id);
    const result = { protocolVersion: params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'bare-http', version: '0.0.0' } };
    return send(res, 200, JSON.stringify({ jsonrpc: '2.0', id: request.id, result }), ['mcp-session-id', id]);
  }
  if (request.method === 'tools/call') {
    const result: Record<string, unknown> = { content: [{ type: 'text', text: params.arguments?.text }] };
    // A modern result carries what the spec asks of every one: resultType, and (SHOULD) the
    // server's identity in _meta; mcp-core sends both, so the floor does too.
    if (params._meta?.[MODERN_VERSION_KEY] !== undefined) {
      result.resultType = 'complete';
      result._meta = SERVER_INFO_META;
    }
    return send(res, 200, JSON.stringify({ jsonrpc: '2.0', id: request.id, result }));
  }
  send(res, 200, JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32601, message: 'Method not found' } }));
}

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      handle(req, res, Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(res, 400, '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}}');
    }
  });
});
server.listen(Number(values.port ?? 0), '127.0.0.1', () => process.stderr.write(`bare-http listening on ${JSON.stringify(server.address())}\n`));
process.once('SIGTERM', () => process.exit(0));
