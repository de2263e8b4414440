/**
 * A request whose params JSON cannot write (nested deeper than JSON.stringify's stack allows)
 * fails at once, and leaves nothing in the client's request table: left there, its promise was
 * rejected at its timeout or at the end of the connection with nobody to catch it, an unhandled
 * rejection that ended the process (a gateway, for one caller's tasks/get).
 */
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('a request the client cannot write', () => {
  it('regression: fails at once, and neither its timeout nor the end of the connection rejects a promise nobody holds', async () => {
    const server = new McpServer({ name: 'server', version: '1.0.0' });
    server.tool('echo', {}, () => 'echo');
    const { client, close } = await connectInMemory(server);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(client.request('tools/call', { name: 'echo', arguments: nested(20_000) }, { timeoutMs: 1 }), RangeError);
      // The client still serves: the failed request took nothing with it.
      assert.equal((await client.callTool('echo')).content[0].type, 'text');
      await close();
      // Rejections nobody handles are reported once the microtasks of this turn have run.
      await turn();
      await turn();
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
