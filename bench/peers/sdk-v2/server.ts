/**
 * The official TypeScript SDK v2 (`@modelcontextprotocol/server`) server the benchmarks drive:
 * a factory, as both of its serving entries (createMcpHandler, serveStdio) expect.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ECHO, manyTool } from '../tool-set.ts';

/** A fresh echo server, or, for the tools/list workload, `tools` tools in all. */
export function createServer(tools = 0): McpServer {
  const server = new McpServer({ name: 'sdk-v2-bench', version: '0.0.0' });
  server.registerTool(ECHO.name, { description: ECHO.description, inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  for (let i = 1; i < tools; i++) {
    const { name, description } = manyTool(i);
    server.registerTool(name, { description, inputSchema: z.object({ value: z.string().describe('Any text') }) }, async ({ value }) => ({
      content: [{ type: 'text', text: value }],
    }));
  }
  return server;
}
