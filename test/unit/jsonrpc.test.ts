import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, describeInvalid, errorResponse, invalidRequestResponse, malformedAnswer, malformedAnswerError, MessageKind, salvageId } from '../../src/protocol/jsonrpc.ts';

describe('JSON-RPC envelope', () => {
  it('classifies the four message kinds', () => {
    assert.equal(classify({ jsonrpc: '2.0', id: 1, method: 'ping' }), MessageKind.Request);
    assert.equal(classify({ jsonrpc: '2.0', id: 'a', method: 'x', params: {} }), MessageKind.Request);
    assert.equal(classify({ jsonrpc: '2.0', method: 'notifications/initialized' }), MessageKind.Notification);
    assert.equal(classify({ jsonrpc: '2.0', id: 1, result: {} }), MessageKind.Result);
    assert.equal(classify({ jsonrpc: '2.0', id: 1, error: { code: -1, message: 'no' } }), MessageKind.Error);
    assert.equal(classify({ jsonrpc: '2.0', error: { code: -32700, message: 'bad' } }), MessageKind.Error);
    // An error about a request whose id could not be read carries id null (JSON-RPC 2.0, 5).
    assert.equal(classify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'bad' } }), MessageKind.Error);
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
      { jsonrpc: '2.0', id: true, error: { code: -1, message: 'm' } },
      { jsonrpc: '2.0', id: { a: 1 }, error: { code: -1, message: 'm' } },
      { jsonrpc: '2.0', id: 1, error: { code: -1 } },
      { jsonrpc: '2.0', id: 1 },
      null,
      'ping',
    ]) {
      assert.equal(classify(value), MessageKind.Invalid, JSON.stringify(value));
    }
  });

  it('explains an invalid message and keeps a readable id', () => {
    assert.match(describeInvalid([]), /an empty batch/);
    assert.match(describeInvalid([{ jsonrpc: '2.0', id: 1, method: 'ping' }]), /batches are taken only in sessions of protocol version 2025-03-26/);
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

  it('regression: an error whose code is not an integer JSON-RPC allows is no error response (1.5, 1e300 and Infinity were)', () => {
    const error = (code: unknown) => ({ jsonrpc: '2.0', id: 1, error: { code, message: 'm' } });
    for (const code of [1.5, 1e300, Number.POSITIVE_INFINITY, 2 ** 53, '-32000']) assert.equal(classify(error(code)), MessageKind.Invalid, String(code));
    for (const code of [-32603, 0, -0, 2 ** 53 - 1]) assert.equal(classify(error(code)), MessageKind.Error, String(code));
  });

  it('regression: a response with both a result and an error is neither, whatever each holds (an object result was a result)', () => {
    const both = [
      { jsonrpc: '2.0', id: 3, result: {}, error: { code: -32000, message: 'm' } },
      { jsonrpc: '2.0', id: 3, error: { code: -32000, message: 'm' }, result: { content: [] } },
      { jsonrpc: '2.0', id: 3, result: {}, error: 5 },
      { jsonrpc: '2.0', id: 3, result: {}, error: null },
      { jsonrpc: '2.0', id: 3, result: null, error: { code: -32000, message: 'm' } },
    ];
    for (const value of both) {
      assert.equal(classify(value), MessageKind.Invalid, JSON.stringify(value));
      assert.deepEqual(malformedAnswer(value), { id: 3, what: 'response', problem: 'it has both a result and an error' }, JSON.stringify(value));
    }
    assert.equal(describeInvalid(both[0]), 'Invalid Request: a malformed response: it has both a result and an error');
    assert.equal(salvageId(both[0]), undefined);
  });

  it('reads an invalid answer to a request as a malformed answer of its id, and says what is wrong', () => {
    assert.deepEqual(malformedAnswer({ jsonrpc: '2.0', id: 3, error: { code: 1.5, message: 'm' } }), { id: 3, what: 'error', problem: 'code is 1.5, not an integer' });
    assert.deepEqual(malformedAnswer({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: null } }), { id: 'a', what: 'error', problem: 'message is null, not a string' });
    assert.deepEqual(malformedAnswer({ jsonrpc: '2.0', id: 3, error: { message: 'm' } }), { id: 3, what: 'error', problem: 'it has no code' });
    assert.deepEqual(malformedAnswer({ jsonrpc: '2.0', id: 3, error: [1] }), { id: 3, what: 'error', problem: 'it is an array, not an object' });
    assert.deepEqual(malformedAnswer({ jsonrpc: '2.0', id: 3, result: 'x\n' }), { id: 3, what: 'result', problem: 'it is "x\\n", not an object' });
    // Well-formed, or no answer to a request of ours: nothing to say.
    for (const value of [{ jsonrpc: '2.0', id: 3, result: {} }, { jsonrpc: '2.0', id: null, error: 5 }, { jsonrpc: '2.0', id: 3, method: 'x', error: 5 }, { jsonrpc: '1.0', id: 3, error: 5 }, { jsonrpc: '2.0', id: 3 }]) {
      assert.equal(malformedAnswer(value), undefined, JSON.stringify(value));
    }
    assert.equal(describeInvalid({ jsonrpc: '2.0', id: 3, error: { code: 1e300, message: 'm' } }), 'Invalid Request: a malformed error: code is 1e+300, not an integer');
    assert.deepEqual(malformedAnswerError({ id: 'q', what: 'error', problem: 'it has no code' }), {
      jsonrpc: '2.0',
      id: 'q',
      error: { code: -32600, message: 'Invalid Request: a malformed error in answer to request "q": it has no code' },
    });
  });

  it('omits the id of an error response when it is unknown', () => {
    assert.deepEqual(errorResponse(undefined, { code: -32700, message: 'Parse error' }), { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' } });
  });
});
