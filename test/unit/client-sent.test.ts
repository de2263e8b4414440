/**
 * When the client sends a request: `RequestOptions.onSent` gets the id each request goes out
 * under, and a request cancelled before it goes out is never sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import type { RequestId } from '../../src/protocol/jsonrpc.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';

describe('client: sending a request', () => {
  it('regression: a request cancelled before it is sent fails at once and is not sent (it reached the server, and no cancellation ever followed it)', async () => {
    const server = new McpServer({ name: 'count', version: '1.0.0' });
    let calls = 0;
    server.tool('count', {}, () => String(++calls));
    const { client, close } = await connectInMemory(server);
    try {
      const sent: RequestId[] = [];
      const controller = new AbortController();
      controller.abort('the caller gave up');
      await assert.rejects(
        client.request('tools/call', { name: 'count', arguments: {} }, { signal: controller.signal, onSent: (id) => sent.push(id) }),
        (error: unknown) => error instanceof McpLocalError && error.code === LocalErrorCode.Cancelled,
      );
      assert.equal(sent.length, 0, 'not sent');
      const result = await client.request('tools/call', { name: 'count', arguments: {} }, { onSent: (id) => sent.push(id) });
      assert.deepEqual(result.content, [{ type: 'text', text: '1' }], 'the server ran only the call that was sent');
      assert.equal(sent.length, 1);
      assert.equal(typeof sent[0], 'number');
    } finally {
      await close();
    }
  });
});
