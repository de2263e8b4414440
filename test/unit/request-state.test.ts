import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestJson, RequestStateSealer } from '../../src/server/request-state.ts';

describe('sealed requestState', () => {
  const sealer = new RequestStateSealer('a test secret', 60_000);

  it('round-trips a payload bound to its request', () => {
    const token = sealer.seal({ bind: 'tools/call\necho\nabc\n', answers: { q: { action: 'accept' } } });
    const opened = sealer.open(token, 'tools/call\necho\nabc\n');
    assert.equal(typeof opened, 'object');
    assert.deepEqual((opened as unknown as { answers: unknown }).answers, { q: { action: 'accept' } });
  });

  it('refuses tampering, other requests, expiry and other keys', () => {
    const token = sealer.seal({ bind: 'b' });
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    assert.equal(sealer.open(flipped, 'b'), 'requestState failed its integrity check');
    assert.equal(sealer.open(token, 'other'), 'requestState belongs to a different request');
    assert.equal(new RequestStateSealer('a test secret', -1).open(new RequestStateSealer('a test secret', -1).seal({ bind: 'b' }), 'b'), 'requestState has expired');
    assert.equal(new RequestStateSealer('another secret', 60_000).open(token, 'b'), 'requestState failed its integrity check');
    assert.equal(sealer.open('', 'b'), 'requestState must be a non-empty string');
    assert.equal(sealer.open(42, 'b'), 'requestState must be a non-empty string');
  });

  it('keeps what the client sees confidential', () => {
    const token = sealer.seal({ bind: 'b', answers: { secret: 'hunter2' } });
    assert.equal(Buffer.from(token, 'base64url').toString('latin1').includes('hunter2'), false);
  });

  it('digests JSON independently of key order', () => {
    assert.equal(digestJson({ a: 1, b: [1, { c: 2, d: 3 }] }), digestJson({ b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.notEqual(digestJson({ a: 1 }), digestJson({ a: 2 }));
  });
});
