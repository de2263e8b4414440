/**
 * Fuzzing the long-string shortcuts (protocol/long-strings.ts) against JSON itself: parseJson
 * of any text gives what JSON.parse gives (the same value, or the same error), and the parts
 * encodeParts writes are JSON.stringify's text, for messages holding long strings in every
 * place the shortcuts look, and for those texts with a character added or taken away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { JsonRpcMessage } from '../../src/protocol/jsonrpc.ts';
import { encodeMessage, encodeParts } from '../../src/protocol/encode.ts';
import { LONG_STRING, parseJson } from '../../src/protocol/long-strings.ts';
import { fuzzParameters } from './support/runs.ts';

/** A long string: a short one repeated, most often of characters JSON does not escape. */
const longString = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', 'Z', '9', ' ', 'é', '😀', '/', '\ud800') }) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', '\u001f') }) },
    ),
    fc.nat(3),
  )
  .map(([unit, extra]) => unit.repeat(Math.ceil((LONG_STRING + extra) / unit.length)));

/** A short JSON value, or a long string. */
const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), longString);

const block = fc.record({ type: fc.constantFrom('text', 'image', 'resource'), text: leaf, data: leaf, resource: fc.record({ uri: fc.constant('file:///a'), text: leaf, blob: leaf }) }, { requiredKeys: ['type'] });

/** Messages with long strings where the shortcuts look for them, and where they do not. */
const message = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), result: fc.record({ content: fc.array(block, { maxLength: 3 }), structuredContent: fc.dictionary(fc.string(), leaf, { maxKeys: 2 }) }, { requiredKeys: ['content'] }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), result: fc.record({ contents: fc.array(block, { maxLength: 3 }) }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), method: fc.constant('tools/call'), params: fc.record({ name: fc.string(), arguments: fc.dictionary(fc.string(), leaf, { maxKeys: 3 }) }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('x'), params: fc.array(leaf, { maxLength: 3 }) }),
);

/** The text, perhaps spaced out, and half the time with one character added or taken away. */
const text = fc
  .tuple(message, fc.constantFrom(undefined, 1, '\t'), fc.option(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), fc.constantFrom('"', '\\', ',', ':', '}', ']', '{', ' ', '\u0000', 'a', '__proto__')), { freq: 1 }))
  .map(([value, space, change]) => {
    const json = JSON.stringify(value, null, space);
    if (change === null) return json;
    const [where, nearEnd, added] = change;
    // Half of the changes land in the first or last 300 characters, where the structure is.
    const at = Math.floor(nearEnd ? json.length - 1 - where * Math.min(300, json.length - 1) : where * (json.length - 1));
    return added === 'a' && where < 0.3 ? json.slice(0, at) + json.slice(at + 1) : json.slice(0, at) + added + json.slice(at);
  });

function outcome(parse: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: String(error) };
  }
}

describe('fuzz: long strings', () => {
  it('parseJson gives what JSON.parse gives, value or error', () => {
    fc.assert(
      fc.property(text, (json) => {
        assert.deepEqual(outcome(() => parseJson(json)), outcome(() => JSON.parse(json)));
      }),
      fuzzParameters('long strings, parsing', 300),
    );
  });

  it('encodeParts writes what JSON.stringify writes, and leaves the message as it was', () => {
    fc.assert(
      fc.property(message, (value) => {
        const before = JSON.stringify(value);
        assert.equal(encodeParts(value as JsonRpcMessage).join(''), before);
        assert.equal(encodeMessage(value as JsonRpcMessage), before);
        assert.equal(JSON.stringify(value), before);
      }),
      fuzzParameters('long strings, writing', 300),
    );
  });
});
