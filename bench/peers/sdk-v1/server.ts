/**
 * The official TypeScript SDK v1 (`@modelcontextprotocol/sdk`) server the benchmarks drive,
 * written the way its README shows: McpServer, registerTool, zod input shapes.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ECHO, manyTool } from '../tool-set.ts';

/** The echo server, or, for the tools/list workload, `tools` tools in all. */
export function createServer(tools = 0): McpServer {
  const server = new McpServer({ name: 'sdk-v1-bench', version: '0.0.0' });
  server.registerTool(ECHO.name, { description: ECHO.description, inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  for (let i = 1; i < tools; i++) {
    const { name, description } = manyTool(i);
    server.registerTool(name, { description, inputSchema: { value: z.string().describe('Any text') } }, async ({ value }) => ({
      content: [{ type: 'text', text: value }],
    }));
  }
  return server;
}
