import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, describeInvalid, errorResponse, invalidRequestResponse, MessageKind, salvageId } from '../../src/protocol/jsonrpc.ts';

describe('JSON-RPC envelope', () => {
  it('classifies the four message kinds', () => {
    assert.equal(classify({ jsonrpc: '2.0', id: 1, method: 'ping' }), MessageKind.Request);
    assert.equal(classify({ jsonrpc: '2.0', id: 'a', method: 'x', params: {} }), MessageKind.Request);
    assert.equal(classify({ jsonrpc: '2.0', method: 'notifications/initialized' }), MessageKind.Notification);
    assert.equal(classify({ jsonrpc: '2.0', id: 1, result: {} }), MessageKind.Result);
    assert.equal(classify({ jsonrpc: '2.0', id: 1, error: { code: -1, message: 'no' } }), MessageKind.Error);
    assert.equal(classify({ jsonrpc: '2.0', error: { code: -32700, message: 'bad' } }), MessageKind.Error);
  });

  it('rejects what MCP does not allow', () => {
    for (const value of [
      [{ jsonrpc: '2.0', id: 1, method: 'ping' }], // batch
      { jsonrpc: '2.0', id: null, method: 'ping' }, // null id
      { jsonrpc: '2.0', id: {}, method: 'ping' },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: [] }, // positional params
      { jsonrpc: '2.0', id: 1, method: 1 },
      { jsonrpc: '1.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 1, result: [] },
      { jsonrpc: '2.0', id: 1, error: { code: 'x', message: 'm' } },
      { jsonrpc: '2.0', id: 1 },
      null,
      'ping',
    ]) {
      assert.equal(classify(value), MessageKind.Invalid, JSON.stringify(value));
    }
  });

  it('explains an invalid message and keeps a readable id', () => {
    assert.match(describeInvalid([]), /batches are not supported/);
    assert.match(describeInvalid({ jsonrpc: '2.0', id: 1, method: 'x', params: 3 }), /"params" must be an object/);
    assert.deepEqual(invalidRequestResponse({ jsonrpc: '2.0', id: 9, method: 3 }).id, 9);
    assert.equal('id' in invalidRequestResponse([1]), false);
  });

  it('an error about a response no longer carries the response\'s id, which names a request of the other side (found by fuzzing)', () => {
    assert.equal('id' in invalidRequestResponse({ jsonrpc: '2.0', id: 3, result: 5 }), false);
    assert.equal('id' in invalidRequestResponse({ jsonrpc: '2.0', id: 3, error: 'bad' }), false);
    assert.equal(salvageId({ jsonrpc: '2.0', id: 3, result: {} }), undefined);
    assert.equal(salvageId({ jsonrpc: '1.0', id: 3, method: 'ping' }), 3);
  });

  it('omits the id of an error response when it is unknown', () => {
    assert.deepEqual(errorResponse(undefined, { code: -32700, message: 'Parse error' }), { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } });
  });
});
