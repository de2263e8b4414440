/**
 * The stdio floor: readline, JSON.parse, JSON.stringify, nothing else. It answers the echo
 * call with the same result the MCP servers give, so the gap to it is what a framework costs.
 */
import { createInterface } from 'node:readline';

const MODERN_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const SERVER_INFO_META = { 'io.modelcontextprotocol/serverInfo': { name: 'bare-node', version: '0.1.0' } };

interface Request {
  id?: string | number;
  method?: string;
  params?: { name?: string; arguments?: { text?: string }; protocolVersion?: string; _meta?: Record<string, unknown> };
}

function answer(request: Request): unknown {
  const params = request.params ?? {};
  switch (request.method) {
    case 'initialize':
      return { result: { protocolVersion: params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'bare-stdio', version: '0.0.0' } } };
    case 'tools/call': {
      const result: Record<string, unknown> = { content: [{ type: 'text', text: params.arguments?.text }] };
      // A modern result carries what the spec asks of every one: resultType, and (SHOULD) the
    // server's identity in _meta; mcp-core sends both, so the floor does too.
    if (params._meta?.[MODERN_VERSION_KEY] !== undefined) {
      result.resultType = 'complete';
      result._meta = SERVER_INFO_META;
    }
      return { result };
    }
    default:
      return { error: { code: -32601, message: `Method not found: ${request.method}` } };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  const request = JSON.parse(line) as Request;
  if (request.id === undefined) return;
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: request.id, ...(answer(request) as object) })}\n`);
});
lines.on('close', () => process.exit(0));
