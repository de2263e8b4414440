/** The server the in-process fuzz targets dispatch into: the demo, plus a template and completions, and a tool whose schema ajv checks. */
import { registerDemo } from '../../../src/demo.ts';
import { McpServer } from '../../../src/server/server.ts';

export function fuzzServer(onError: (error: unknown, context: { method: string }) => void): McpServer {
  // Legacy calls that ask the client wait at most this long for an answer nobody sends.
  const server = new McpServer({ name: 'fuzz', version: '1.0.0', onError, clientRequestTimeoutMs: 20, tasks: { ttlMs: 1000 } });
  registerDemo(server);
  // A sleep of any length the fuzzer asks for would only make the run slow.
  server.core.tools.get('sleep')!.disable();
  server.resourceTemplate(
    'demo://items/{id}{?q}',
    { name: 'item', complete: { id: (value) => ['1', '2', '42'].filter((id) => id.startsWith(value)) } },
    (uri, variables) => `item ${variables.id} (${uri})`,
  );
  server.tool('later', { taskSupport: 'optional', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, async ({ text }) => `later: ${text}`);
  // A schema ajv checks (anyOf), comparing objects: const and enum of objects and arrays, uniqueItems.
  const choice = { anyOf: [{ const: { a: 1 } }, { enum: [[1], 'x'] }] };
  server.tool('pick', { inputSchema: { type: 'object', properties: { choice, tags: { type: 'array', uniqueItems: true } } } }, () => 'picked');
  return server;
}
