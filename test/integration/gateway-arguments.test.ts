/**
 * `tools/call` arguments that are not what the spec says (schema: CallToolRequestParams, an
 * optional object) answered by the gateway as mcp-core's own server answers them: `null` as
 * no arguments, anything else that is no object `-32602`, in both eras and for a call made as
 * a task. The gateway is in front of the test fixture (a real process); the server compared
 * with offers the fixture's `echo` as its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { McpClient } from '../../src/client/client.ts';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { fixture } from '../helpers/gateway.ts';

const TASKS = { 'io.modelcontextprotocol/tasks': {} };
const VALUES: Array<[string, unknown]> = [['null', null], ['absent', undefined], ['a number', 7], ['a string', 'x'], ['an array', []], ['an empty object', {}]];

/** The answer to one tools/call, as comparable data: the error's code and message, or the result's content. */
async function outcome(client: McpClient, name: string, args: unknown): Promise<unknown> {
  const params: Record<string, unknown> = { name };
  if (args !== undefined) params.arguments = args;
  try {
    const { content, isError, resultType } = await client.request('tools/call', params, { timeoutMs: 10_000 });
    return { content, isError, resultType };
  } catch (error) {
    const { code, message } = error as { code: unknown; message: string };
    return { code, message };
  }
}

describe('tools/call arguments at the gateway', { timeout: 60_000 }, () => {
  it('are answered as mcp-core\'s server answers them: null as no arguments, a number, a string or an array -32602, in both eras and as a task', async () => {
    const own = new McpServer({ name: 'own', version: '1.0.0' });
    own.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, ({ text }) => text);
    const manager = new McpManager({ mcpServers: { fx: fixture() } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const pairs: Array<{ close(): Promise<void> }> = [];
    try {
      for (const options of [{ era: 'legacy' as const }, { era: 'modern' as const }]) {
        const [ownPair, gatewayPair] = [await connectInMemory(own, options), await connectInMemory(server, options)];
        pairs.push(ownPair, gatewayPair);
        for (const [what, args] of VALUES) {
          assert.deepEqual(await outcome(gatewayPair.client, 'fx__echo', args), await outcome(ownPair.client, 'echo', args), `${options.era}, arguments ${what}`);
        }
      }
      // A caller that opts in to tasks has fx__work called as the upstream's task (ms given: a
      // handle); without arguments, or with null, the upstream refuses the arguments it got, none.
      const tasks = await connectInMemory(server, { capabilities: { extensions: TASKS } });
      pairs.push(tasks);
      assert.equal((await outcome(tasks.client, 'fx__work', { ms: 1 }) as { resultType?: string }).resultType, 'task');
      const absent = await outcome(tasks.client, 'fx__work', undefined);
      assert.match(JSON.stringify(absent), /Invalid arguments for tool work: input must have required property 'ms'/);
      assert.deepEqual(await outcome(tasks.client, 'fx__work', null), absent);
      for (const [what, args] of VALUES.filter(([what]) => ['a number', 'a string', 'an array'].includes(what))) {
        assert.deepEqual(await outcome(tasks.client, 'fx__work', args), { code: -32602, message: 'Invalid params: "arguments" must be an object' }, `as a task, arguments ${what}`);
      }
    } finally {
      for (const pair of pairs) await pair.close();
      await manager.close();
    }
  });
});
