import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeMessage, encodeParts, preEncoded } from '../../src/protocol/encode.ts';
import { LONG_STRING, parseJson } from '../../src/protocol/long-strings.ts';

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

const long = (seed: string) => seed.repeat(Math.ceil((LONG_STRING + 7) / seed.length));

describe('long strings', () => {
  const result = (content: unknown[], extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0' as const, id: 1, result: { content, ...extra } });

  it('are written as parts of their own, the whole exactly what JSON.stringify writes', () => {
    const text = long('abc');
    const data = long('QUJD');
    const messages = [
      result([{ type: 'text', text }]),
      // data before text in the block, and in the second block: the parts follow the text's order.
      result([{ type: 'image', data, mimeType: 'image/png' }, { data: 'x', text }]),
      result([{ type: 'resource', resource: { uri: 'file:///a', text, mimeType: 'text/plain' } }], { structuredContent: { small: 1 } }),
      { jsonrpc: '2.0' as const, id: 2, result: { contents: [{ uri: 'file:///b', blob: data }, { uri: 'file:///c', text }] } },
      { jsonrpc: '2.0' as const, id: 3, method: 'tools/call', params: { name: 'write', arguments: { path: '/a', text, n: 1 } } },
    ];
    for (const message of messages) {
      const before = JSON.stringify(message);
      const parts = encodeParts(message);
      assert.ok(parts.includes(text) || parts.includes(data), 'a long string is a part of its own');
      assert.equal(parts.join(''), before);
      assert.equal(encodeMessage(message), before);
      assert.equal(JSON.stringify(message), before, 'the message is left as it was');
    }
  });

  it('that need escaping, or cannot be swapped, go through JSON.stringify', () => {
    const frozen = Object.freeze({ type: 'text', text: long('f') });
    const getter = { type: 'text', get text() { return long('g'); } };
    for (const block of [{ type: 'text', text: `${long('a')}"` }, { type: 'text', text: `${long('b')}\\` }, { type: 'text', text: `\n${long('c')}` }, { type: 'text', text: `${long('d')}\ud800` }, frozen, getter]) {
      const message = result([block]);
      assert.deepEqual(encodeParts(message), [JSON.stringify(message), '']);
      assert.equal(encodeMessage(message), JSON.stringify(message));
    }
  });

  it('are put back when the message cannot be serialized', () => {
    const text = long('z');
    const block = { type: 'text', text };
    assert.throws(() => encodeMessage(result([block], { structuredContent: { n: 1n } })), TypeError);
    assert.equal(block.text, text);
  });
});

describe('parseJson', () => {
  it('gives JSON.parse\'s value for a text holding long strings, keys and escapes beside them', () => {
    const text = JSON.stringify({ a: long('a'), [long('k')]: 1, b: [long('b'), 'x"y'], c: `${long('c')}\n`, __proto__: long('p') });
    assert.deepEqual(parseJson(text), JSON.parse(text));
    assert.deepEqual(Object.keys(parseJson(text) as object), Object.keys(JSON.parse(text) as object));
  });

  it('throws JSON.parse\'s error for a text that holds long strings and is no JSON', () => {
    const valid = JSON.stringify({ a: long('a'), b: [long('b')] });
    for (const text of [`${valid.slice(0, -1)},}`, valid.slice(0, -1), `${valid}x`, valid.replace('"b":', '"b"'), `[${JSON.stringify(long('c'))},,1]`]) {
      let expected: unknown;
      try {
        JSON.parse(text);
      } catch (error) {
        expected = error;
      }
      assert.ok(expected instanceof SyntaxError, `${text.slice(-20)} is no JSON`);
      assert.throws(() => parseJson(text), (error: unknown) => error instanceof SyntaxError && error.message === expected.message);
    }
  });

  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  it('puts a long string back 100,000 levels deep, where JSON.parse puts it', () => {
    const depth = 100_000;
    const text = `${'['.repeat(depth)}${JSON.stringify(long('d').repeat(4))}${']'.repeat(depth)}`;
    for (const value of [parseJson(text), JSON.parse(text)]) {
      let item: unknown = value;
      for (let level = 0; level < depth; level++) {
        assert.ok(Array.isArray(item) && item.length === 1);
        item = item[0];
      }
      assert.equal(item, long('d').repeat(4));
    }
  });

  it('keeps no large text alive for a short string cut out of it', async () => {
    // The kept string is a tenth of the text: the rest (escaped, so never cut out) is 8 MB.
    gc();
    const before = process.memoryUsage().heapUsed;
    let text: string | undefined = JSON.stringify({ kept: long('k'), rest: 'x\n'.repeat(4 * 1024 * 1024) });
    const kept = (parseJson(text) as { kept: string }).kept;
    text = undefined;
    // What was read is remembered until the end of the turn, and a regular expression keeps the
    // last string it matched (RegExp.input) until the next match.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(/a/.test('a'));
    gc();
    const held = process.memoryUsage().heapUsed - before;
    assert.equal(kept, long('k'));
    assert.ok(held < 4 * 1024 * 1024, `${held} bytes held after the text was let go`);
  });

  it('keeps no string it read past the turn of the event loop, though it remembers it within the turn', async () => {
    gc();
    const before = process.memoryUsage().heapUsed;
    let text: string | undefined = JSON.stringify({ text: 'b'.repeat(12 * 1024 * 1024) });
    const value = parseJson(text) as { text: string | undefined };
    // Written in the same turn (an echo): the string is known to need no escaping.
    assert.ok(encodeParts({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: value.text }] } }).length > 2);
    text = undefined;
    value.text = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(/a/.test('a'));
    gc();
    const held = process.memoryUsage().heapUsed - before;
    assert.ok(held < 4 * 1024 * 1024, `${held} bytes held after the turn`);
  });
});
