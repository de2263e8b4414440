/**
 * The official TypeScript SDK v2 (`@modelcontextprotocol/server`) server the benchmarks drive:
 * a factory, as both of its serving entries (createMcpHandler, serveStdio) expect.
 *
 * The zod schemas and tool definitions are built once, at module load, outside the factory:
 * the factory runs per request over HTTP, and only what the SDK itself needs per server is
 * made there (the McpServer and its registrations).
 */
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ECHO, manyTool } from '../tool-set.ts';

const ECHO_INPUT = z.object({ text: z.string() });
const MANY_INPUT = z.object({ value: z.string().describe('Any text') });
const echo = async ({ text }: { text: string }) => ({ content: [{ type: 'text' as const, text }] });
const returnValue = async ({ value }: { value: string }) => ({ content: [{ type: 'text' as const, text: value }] });
/** Tool definitions of the many-tools workload, made once per tool count. */
const manyTools = new Map<number, Array<{ name: string; description: string }>>();

function definitions(tools: number): Array<{ name: string; description: string }> {
  let list = manyTools.get(tools);
  if (list === undefined) {
    list = Array.from({ length: Math.max(0, tools - 1) }, (_, i) => manyTool(i + 1));
    manyTools.set(tools, list);
  }
  return list;
}

/** A fresh echo server, or, for the tools/list workload, `tools` tools in all. */
export function createServer(tools = 0): McpServer {
  const server = new McpServer({ name: 'sdk-v2-bench', version: '0.0.0' });
  server.registerTool(ECHO.name, { description: ECHO.description, inputSchema: ECHO_INPUT }, echo);
  for (const { name, description } of definitions(tools)) server.registerTool(name, { description, inputSchema: MANY_INPUT }, returnValue);
  return server;
}
