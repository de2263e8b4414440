/**
 * SDK v2 Streamable HTTP through createMcpHandler (stateless; the factory runs per request),
 * mounted on node:http with toNodeHandler from @modelcontextprotocol/node as its docs say.
 * Modern (2026-07-28) requests get single JSON responses (responseMode 'auto').
 *
 * Usage: node peers/sdk-v2/http.ts --port PORT [--tools N]
 */
import { createServer as createHttpServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { portArg, toolCount } from '../tool-set.ts';
import { createServer } from './server.ts';

const tools = toolCount(process.argv);
const handle = toNodeHandler(createMcpHandler(() => createServer(tools)));
const http = createHttpServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  if (req.url !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  void handle(req, res);
});
http.listen(portArg(process.argv), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
