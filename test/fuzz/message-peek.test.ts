/**
 * Fuzzing peekMessage, which names a message too large to parse from its first and last bytes:
 * for any message, in any member order, cut to any ends (through strings that look like JSON
 * members too), what it names is the message's own id and method or nothing, never a wrong one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { peekMessage } from '../../src/protocol/message-peek.ts';
import { fuzzParameters } from './support/runs.ts';

/** Text that looks like members: what a hostile payload would put in a string to mislead. */
const lookalike = fc.constantFrom('"id":99', '\\"id\\":98,', '"method":"x"}', '\\\\"', '"}', '{"id":97}', ',"result":{}}', ' ');
const text = fc.array(fc.oneof(fc.string(), lookalike), { maxLength: 6 }).map((parts) => parts.join(''));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(fc.oneof(text, fc.constantFrom('id', 'method', 'result')), tie('value'), { maxKeys: 4 }),
})).object;

const message = fc.record({
  id: fc.option(fc.oneof(fc.integer(), text), { nil: undefined }),
  method: fc.option(fc.oneof(text, fc.constantFrom('tools/call', 'elicitation/create')), { nil: undefined }),
  body: fc.constantFrom('params', 'result', 'error'),
  payload: json,
  order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  spaces: fc.boolean(),
});

describe('fuzz: naming a message from its ends', () => {
  it('names its own id and method or nothing, from any ends', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.nat(), ({ id, method, body, payload, order, spaces }, headCut, tailCut) => {
        const members: Array<[string, unknown]> = [['jsonrpc', '2.0'], ['id', id], ['method', body === 'params' ? method : undefined], [body, payload]];
        const sorted = members.map((member, i) => ({ member, key: order[i] })).sort((a, b) => a.key - b.key).map(({ member }) => member);
        const whole = JSON.stringify(Object.fromEntries(sorted.filter(([, value]) => value !== undefined)), null, spaces ? 1 : undefined);
        const head = whole.slice(0, headCut % (whole.length + 1));
        const tail = whole.slice(whole.length - (tailCut % (whole.length + 1)));
        const peek = peekMessage(head, tail);
        if (peek.id !== undefined) assert.equal(peek.id, id);
        if (peek.method !== undefined) assert.equal(peek.method, method);
        if (peek.response) assert.notEqual(body, 'params');
        // With the whole text at both ends, every member holding a scalar is seen.
        const full = peekMessage(whole, whole);
        if (id !== undefined) assert.equal(full.id, id);
        if (body === 'params' && method !== undefined) assert.equal(full.method, method);
      }),
      fuzzParameters('message peek', 2000),
    );
  });

  it('a number with a leading zero names nothing instead of throwing (fast-check seed -166661424 found " 00}")', () => {
    assert.deepEqual(peekMessage('', ' 00}'), { response: false });
    assert.deepEqual(peekMessage('{"id":00,', '"id":007}'), { response: false });
    assert.deepEqual(peekMessage('{"id":0,', ',"id":-0.5e3}'), { id: -500, response: false });
  });

  it('never throws on any text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (head, tail) => {
        peekMessage(head, tail);
      }),
      fuzzParameters('message peek, any text', 2000),
    );
  });
});
