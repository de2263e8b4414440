/**
 * Fuzzing stdio framing (newline-delimited JSON): any messages, cut into any chunks (through
 * multi-byte characters too), come out whole and in order; oversized ones are reported once
 * and skipped; any bytes at all never make the decoder throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NdjsonDecoder, type FrameSink } from '../../src/transport/ndjson.ts';
import { fuzzParameters } from './support/runs.ts';

/** Splits `bytes` at the given fractions of its length. */
function cut(bytes: Buffer, fractions: number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

function decodeAll(chunks: Buffer[], max: number): { lines: string[]; tooLarge: number } {
  const decoder = new NdjsonDecoder(max);
  const lines: string[] = [];
  let tooLarge = 0;
  const sink: FrameSink = { line: (line) => lines.push(line), tooLarge: () => tooLarge++ };
  for (const chunk of chunks) decoder.push(chunk, sink);
  decoder.end(sink);
  return { lines, tooLarge };
}

/** A message line: any text without a newline (lone surrogates too), never blank. */
const line = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((text) => text.replace(/[\r\n]/g, ' ').trim() || 'x');
const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

describe('fuzz: stdio framing', () => {
  it('delivers every message whole and in order, however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.array(fc.constantFrom('\n', '\r\n', '\n\n'), { minLength: 20, maxLength: 20 }), fractions, fc.boolean(), (lines, ends, cuts, lastNewline) => {
        let text = lines.map((l, i) => l + ends[i]).join('');
        if (!lastNewline && lines.length > 0) text = text.replace(/(\r?\n)+$/, '');
        const { lines: got, tooLarge } = decodeAll(cut(Buffer.from(text), cuts), 1 << 20);
        assert.deepEqual(got, lines);
        assert.equal(tooLarge, 0);
      }),
      fuzzParameters('ndjson framing', 2000),
    );
  });

  it('reports each oversized message once, skips it, and reads the rest', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(line, fc.boolean()), { maxLength: 12 }), fractions, (entries, cuts) => {
        const max = 64;
        const lines = entries.map(([l, big]) => (big ? l.padEnd(max + 1, 'z') : [...l].slice(0, 10).join('')));
        const { lines: got, tooLarge } = decodeAll(cut(Buffer.from(lines.map((l) => l + '\n').join('')), cuts), max);
        const fits = (l: string) => Buffer.byteLength(l) <= max;
        assert.deepEqual(got, lines.filter(fits));
        assert.equal(tooLarge, lines.filter((l) => !fits(l)).length);
      }),
      fuzzParameters('ndjson limits', 2000),
    );
  });

  it('never throws on any bytes, and never delivers a newline inside a message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fractions, fc.integer({ min: 1, max: 64 }), (bytes, cuts, max) => {
        const { lines } = decodeAll(cut(Buffer.from(bytes), cuts), max);
        for (const l of lines) assert.equal(l.includes('\n'), false);
      }),
      fuzzParameters('ndjson bytes', 2000),
    );
  });
});
