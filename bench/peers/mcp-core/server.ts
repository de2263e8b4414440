/**
 * A bench-only mcp-core server for the tools/list workload: the echo tool plus N small tools,
 * on stdio or Streamable HTTP. The echo workloads use the real CLI (`serve --demo`) instead.
 *
 * Usage: node peers/mcp-core/server.ts --tools N (--stdio | --port PORT)
 */
import { ServerConnection } from '../../../src/server/connection.ts';
import { McpServer } from '../../../src/server/server.ts';
import { serveHttp } from '../../../src/transport/http/node.ts';
import { StdioServerTransport } from '../../../src/transport/stdio.ts';
import { ECHO, MANY_TOOL_SCHEMA, manyTool, portArg, toolCount } from '../tool-set.ts';

const server = new McpServer({ name: 'mcp-core-bench', version: '0.0.0' });
server.tool(
  ECHO.name,
  { description: ECHO.description, inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  ({ text }) => text,
);
const tools = toolCount(process.argv);
for (let i = 1; i < tools; i++) {
  const { name, description } = manyTool(i);
  server.tool(name, { description, inputSchema: MANY_TOOL_SCHEMA }, ({ value }) => value);
}

if (process.argv.includes('--stdio')) {
  new ServerConnection(server, new StdioServerTransport(), { onClose: () => process.exit(0) }).start();
} else {
  await serveHttp(server, { host: '127.0.0.1', port: portArg(process.argv) });
  process.once('SIGTERM', () => process.exit(0));
}
