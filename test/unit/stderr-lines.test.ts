import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StderrLines, type StderrBudget } from '../../src/transport/stderr-lines.ts';

/** A copier writing to an array; a budget of 1 byte a second refills nothing a test could see. */
function copier(burstBytes?: number): { lines: StderrLines; out: string[] } {
  const out: string[] = [];
  const budget: StderrBudget | undefined = burstBytes === undefined ? undefined : { bytesPerSecond: 1, burstBytes };
  return { lines: new StderrLines({ prefix: '[up] ', budget, write: (text) => out.push(text) }), out };
}

describe('a child\'s stderr copied line by line (StderrLines)', () => {
  it('copies whole lines after the prefix, a line split across chunks once whole, the last one at the end', () => {
    const { lines, out } = copier();
    lines.write(Buffer.from('one\ntw'));
    lines.write(Buffer.from('o\nthree'));
    lines.end();
    assert.equal(out.join(''), '[up] one\n[up] two\n[up] three\n');
  });

  it('regression: escape sequences, carriage returns and other control characters reach the terminal as visible text, not raw', () => {
    const { lines, out } = copier();
    // Set the window title, clear the screen, go back over the prefix, a C1 CSI, a bidi override; TAB stays.
    lines.write(Buffer.from('\x1b]0;pwned\x07\x1b[2J\rforged\x00\x7f\u009b31m\u202eevil\tok\r\n'));
    lines.end();
    assert.equal(out.join(''), '[up] \\x1b]0;pwned\\x07\\x1b[2J\\rforged\\x00\\x7f\\x9b31m\\u202eevil\tok\n');
  });

  it('copies a line longer than 8 KiB in pieces, each prefixed, never splitting a character', () => {
    const { lines, out } = copier();
    const long = `a${'é'.repeat(5000)}`;
    lines.write(Buffer.from(`${long}\n`));
    lines.end();
    const copied = out.join('').split('\n').filter((line) => line !== '');
    assert.ok(copied.length > 1, `${copied.length} pieces`);
    assert.ok(copied.every((line) => line.startsWith('[up] ')));
    assert.equal(copied.map((line) => line.slice('[up] '.length)).join(''), long);
  });

  it('regression: past its budget, lines are dropped (never a fragment of one) and counted in one line saying so', () => {
    const { lines, out } = copier(100);
    lines.write(Buffer.from(`${'a'.repeat(39)}\n${'b'.repeat(39)}\n${'c'.repeat(39)}\n${'d'.repeat(10)}`));
    // The rest of the line whose start was dropped goes too; of the next chunk, what the 20
    // bytes left allow, and the rest of it unsplit.
    lines.write(Buffer.from(`${'d'.repeat(10)}\n`));
    lines.write(Buffer.from('e\n'.repeat(1000)));
    lines.end();
    const text = out.join('');
    assert.equal(text.slice(0, text.indexOf('mcp-core')), `[up] ${'a'.repeat(39)}\n[up] ${'b'.repeat(39)}\n${'[up] e\n'.repeat(10)}`);
    const dropped = 40 + 21 + 2000 - 20;
    assert.match(text, new RegExp(`\\nmcp-core: \\[up\\] stderr: ${dropped} bytes \\(2\\.0 KiB\\) dropped in 1 s, over its budget of 1 bytes/s \\(burst 100 bytes\\)\\n$`));
  });

  it('the budget refills: lines are copied again once it has', async () => {
    const out: string[] = [];
    const lines = new StderrLines({ prefix: '[up] ', budget: { bytesPerSecond: 100_000, burstBytes: 10 }, write: (text) => out.push(text) });
    lines.write(Buffer.from('x'.repeat(100) + '\n'));
    // 10 bytes refill in 0.1 ms: awaited on a timer that fires after at least 1 ms.
    await new Promise((resolve) => setTimeout(resolve, 5));
    lines.write(Buffer.from('fits\n'));
    lines.end();
    assert.equal(out[0], '[up] fits\n');
    assert.match(out[1], /^mcp-core: \[up\] stderr: 101 bytes/);
  });
});
