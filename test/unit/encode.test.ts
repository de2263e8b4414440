import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage, preEncoded } from '../../src/protocol/encode.ts';

describe('message encoding', () => {
  const meta = preEncoded({ 'io.modelcontextprotocol/serverInfo': { name: 's', version: '1' } });

  it('writes exactly what JSON.stringify would, with or without a pre-encoded _meta', () => {
    const messages = [
      { jsonrpc: '2.0' as const, id: 1, result: { content: [{ type: 'text', text: 'a"b\n' }], resultType: 'complete', _meta: meta } },
      { jsonrpc: '2.0' as const, id: 'x', result: { _meta: meta } },
      { jsonrpc: '2.0' as const, id: 2, result: { resultType: 'complete', _meta: { other: 1 } } },
      { jsonrpc: '2.0' as const, id: 3, error: { code: -1, message: 'no' } },
      { jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progress: 1 } },
    ];
    for (const message of messages) {
      assert.deepEqual(JSON.parse(encodeMessage(message)), JSON.parse(JSON.stringify(message)));
    }
    assert.equal((messages[0].result as Record<string, unknown>)._meta, meta, 'the result is left as it was');
  });

  it('keeps the pre-encoded object frozen and its JSON private', () => {
    assert.ok(Object.isFrozen(meta));
    assert.deepEqual(Object.keys(meta), ['io.modelcontextprotocol/serverInfo']);
  });
});
