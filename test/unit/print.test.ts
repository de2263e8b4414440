/**
 * print(): what `mcp-core tools` and `mcp-core call` print goes to a real pipe (a `cat`
 * child's stdin) a piece at a time: what waits for the reader stays within a piece, however
 * long the text or the list, and the bytes that come out are those put in.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { print } from '../../src/cli/print.ts';

/** A pipe into `cat`; `held()` is the most the pipe's stream ever held waiting for cat; `output()` what cat wrote back. */
function catPipe() {
  const cat = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  cat.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  let most = 0;
  const input = cat.stdin;
  const write = input.write.bind(input) as (chunk: string) => boolean;
  (input as unknown as { write: (chunk: string) => boolean }).write = (chunk: string) => {
    const taken = write(chunk);
    most = Math.max(most, input.writableLength);
    return taken;
  };
  return {
    cat,
    input,
    held: () => most,
    output: async () => {
      input.end();
      await once(cat.stdout, 'end');
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

describe('print', () => {
  it('writes a 20 MB text a slice at a time, never between the halves of a surrogate pair', async () => {
    const pipe = catPipe();
    // An emoji across the first slice's end (1 MiB characters in).
    const text = `${'a'.repeat(1024 * 1024 - 1)}😀${'b'.repeat(20 * 1024 * 1024)}`;
    await print([text, '\n'], pipe.input);
    assert.ok(pipe.held() <= 1024 * 1024 + 64 * 1024, `held ${pipe.held()} characters for the reader`);
    assert.equal(await pipe.output(), `${text}\n`);
  });

  it('writes 200,000 lines in batches, holding a batch at most', async () => {
    const pipe = catPipe();
    const lines = Array.from({ length: 200_000 }, (_, i) => `tool_${i}  a tool\n`);
    await print(lines, pipe.input);
    assert.ok(pipe.held() <= 2 * 64 * 1024, `held ${pipe.held()} characters for the reader`);
    assert.equal(await pipe.output(), lines.join(''));
  });

  it('stops, without waiting for ever, once the reader is gone', async () => {
    const pipe = catPipe();
    pipe.input.on('error', () => {}); // EPIPE, as main.ts quiets stdout's
    pipe.cat.kill('SIGKILL');
    await once(pipe.cat, 'exit');
    await print(['x'.repeat(8 * 1024 * 1024)], pipe.input);
    assert.ok(pipe.input.destroyed);
  });
});
