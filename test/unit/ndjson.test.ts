import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage } from '../../src/protocol/encode.ts';
import { NdjsonDecoder, type CutMessage } from '../../src/transport/ndjson.ts';

function decode(chunks: Array<string | Buffer>, max?: number): { lines: string[]; tooLarge: CutMessage[]; events: string[] } {
  const decoder = new NdjsonDecoder(max);
  const lines: string[] = [];
  const tooLarge: CutMessage[] = [];
  const events: string[] = [];
  const sink = {
    frames: (count: number) => events.push(`frames ${count}`),
    line: (l: string) => events.push(`line ${lines.push(l)}`),
    tooLarge: (message: CutMessage) => events.push(`too large ${tooLarge.push(message)}`),
  };
  for (const chunk of chunks) decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), sink);
  return { lines, tooLarge, events };
}

const frame = (message: Parameters<typeof encodeMessage>[0]) => encodeMessage(message) + '\n';

describe('newline-delimited JSON framing', () => {
  it('splits, joins and trims frames wherever chunks break', () => {
    const { lines } = decode(['{"a":1}\n{"b"', ':2}\r\n\n', '{"c":', '3', '}\n{"d":4']);
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('tells the sink how many frames end in a chunk before delivering them', () => {
    const { events } = decode(['{"a":1}\n{"b"', ':2}\n{"c":3}\n{"d"', '', ':4}']);
    // Blank lines count as frames ended but carry no message.
    assert.deepEqual(events, ['frames 1', 'line 1', 'frames 2', 'line 2', 'line 3']);
  });

  it('at the end of input, a last message without its newline is still read (printf REQ | mcp-core serve --stdio lost it)', () => {
    const decoder = new NdjsonDecoder(64);
    const lines: string[] = [];
    const sink = { line: (l: string) => lines.push(l), tooLarge: () => assert.fail('not too large') };
    decoder.push(Buffer.from('{"a":1}\n{"b":'), sink);
    decoder.push(Buffer.from('2}'), sink);
    decoder.end(sink);
    decoder.end(sink);
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}']);
    // An oversized tail stays discarded.
    const tooLarge: CutMessage[] = [];
    const skipping = new NdjsonDecoder(8);
    const sink8 = { line: (l: string) => lines.push(l), tooLarge: (message: CutMessage) => tooLarge.push(message) };
    skipping.push(Buffer.from('{"big":"xxxxxxxx'), sink8);
    assert.equal(tooLarge.length, 0, 'reported once the message ends');
    skipping.end(sink8);
    assert.equal(lines.length, 2);
    assert.deepEqual(tooLarge, [{ bytes: 16, whole: false, head: '{"big":"xxxxxxxx', tail: '{"big":"xxxxxxxx' }]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('{"t":"héllo wörld ✓"}\n');
    const { lines } = decode([bytes.subarray(0, 8), bytes.subarray(8, 9), bytes.subarray(9)]);
    assert.deepEqual(JSON.parse(lines[0]), { t: 'héllo wörld ✓' });
  });

  it('discards an oversized message, reports it once, and reads the next one', () => {
    const { lines, tooLarge, events } = decode(['{"big":"' + 'x'.repeat(50), 'x'.repeat(50) + '"}\n{"ok":1}\n'], 64);
    assert.deepEqual(lines, ['{"ok":1}']);
    assert.equal(tooLarge.length, 1);
    assert.deepEqual(events, ['frames 2', 'too large 1', 'line 1']);
    assert.equal(tooLarge[0].bytes, 110, 'the exact size, once the message ended');
    assert.equal(tooLarge[0].whole, true);
  });

  it('keeps the first and last KiB of a discarded message, wherever chunks break (its id is in one of them)', () => {
    const message = '{"method":"tools/call","params":{"text":"' + 'a'.repeat(3000) + 'z'.repeat(3000) + '"},"jsonrpc":"2.0","id":7}';
    const bytes = Buffer.from(message + '\r\n');
    for (const cuts of [[], [5], [100, 2000, 5000], [6030], [6040, 6045]]) {
      const chunks: Buffer[] = [];
      let from = 0;
      for (const at of [...cuts, bytes.length]) {
        chunks.push(bytes.subarray(from, at));
        from = at;
      }
      const { tooLarge } = decode([...chunks, '{"ok":1}\n'], 4096);
      assert.equal(tooLarge.length, 1, `cut at ${cuts}`);
      assert.equal(tooLarge[0].bytes, message.length + 1, `cut at ${cuts}`);
      assert.equal(tooLarge[0].head, message.slice(0, 1024), `cut at ${cuts}`);
      assert.equal(tooLarge[0].tail, message.slice(-1023) + '\r', `cut at ${cuts}`);
    }
    // A message known too large only at its newline is cut the same way.
    const { tooLarge } = decode([message.slice(0, 4000), message.slice(4000) + '\n'], 4096);
    assert.equal(tooLarge[0].head, message.slice(0, 1024));
    assert.equal(tooLarge[0].tail, message.slice(-1024));
  });

  it('joins a message that spans many chunks with one concatenation (linear framing)', () => {
    const payload = Buffer.from(frame({ jsonrpc: '2.0', method: 'm', params: { text: 'z'.repeat(10 * 1024 * 1024) } }));
    const original = Buffer.concat;
    let concats = 0;
    Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
      concats++;
      return original(list, length);
    }) as typeof Buffer.concat;
    try {
      const chunks: Buffer[] = [];
      for (let offset = 0; offset < payload.length; offset += 65536) chunks.push(payload.subarray(offset, offset + 65536));
      const { lines } = decode(chunks);
      assert.equal(lines.length, 1);
      assert.equal(lines[0].length, payload.length - 1);
    } finally {
      Buffer.concat = original;
    }
    assert.equal(concats, 1);
  });

  it('never writes a raw newline inside a frame', () => {
    const text = frame({ jsonrpc: '2.0', method: 'm', params: { text: 'line1\nline2\u2028' } });
    assert.equal(text.indexOf('\n'), text.length - 1);
  });
});
