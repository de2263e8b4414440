import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NdjsonDecoder, encodeFrame } from '../../src/transport/ndjson.ts';

function decode(chunks: Array<string | Buffer>, max?: number): { lines: string[]; tooLarge: number[] } {
  const decoder = new NdjsonDecoder(max);
  const lines: string[] = [];
  const tooLarge: number[] = [];
  for (const chunk of chunks) decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), { line: (l) => lines.push(l), tooLarge: (n) => tooLarge.push(n) });
  return { lines, tooLarge };
}

describe('newline-delimited JSON framing', () => {
  it('splits, joins and trims frames wherever chunks break', () => {
    const { lines } = decode(['{"a":1}\n{"b"', ':2}\r\n\n', '{"c":', '3', '}\n{"d":4']);
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('{"t":"héllo wörld ✓"}\n');
    const { lines } = decode([bytes.subarray(0, 8), bytes.subarray(8, 9), bytes.subarray(9)]);
    assert.deepEqual(JSON.parse(lines[0]), { t: 'héllo wörld ✓' });
  });

  it('discards an oversized message, reports it once, and reads the next one', () => {
    const { lines, tooLarge } = decode(['{"big":"' + 'x'.repeat(50), 'x'.repeat(50) + '"}\n{"ok":1}\n'], 64);
    assert.deepEqual(lines, ['{"ok":1}']);
    assert.equal(tooLarge.length, 1);
  });

  it('joins a message that spans many chunks with one concatenation (linear framing)', () => {
    const payload = Buffer.from(encodeFrame({ jsonrpc: '2.0', method: 'm', params: { text: 'z'.repeat(10 * 1024 * 1024) } }));
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
    const frame = encodeFrame({ jsonrpc: '2.0', method: 'm', params: { text: 'line1\nline2\u2028' } });
    assert.equal(frame.indexOf('\n'), frame.length - 1);
  });
});
