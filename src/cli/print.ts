/**
 * What a command prints on stdout, written in pieces as its reader takes them. Node writes
 * to a pipe asynchronously and holds whatever the reader has not taken yet: a listing of
 * 200,000 tools written line by line to `| less`, or a tool's 60 MB result, would all be
 * held, a copy of it, on top of what the command already holds. Here at most one piece
 * (PIECE_CHARS) waits for the reader at a time.
 */
import type { Writable } from 'node:stream';

/** Lines are gathered into writes of about this many characters. */
const BATCH_CHARS = 64 * 1024;
/** A long text is written in slices of this many characters. */
const PIECE_CHARS = 1024 * 1024;

/** Resolves once `out` takes more, or can take nothing more (closed, failed). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Slices of `text` of PIECE_CHARS at most, never between the two halves of a surrogate pair
 * (each slice is encoded to UTF-8 on its own: a half alone would become U+FFFD).
 */
function* slices(text: string): Generator<string> {
  for (let at = 0; at < text.length; ) {
    let end = Math.min(at + PIECE_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(at, end);
    at = end;
  }
}

/**
 * Writes `texts` in order to `out` (stdout by default), gathering short ones and slicing long
 * ones, and waits for the reader whenever the pipe is full. Stops early, quietly, when `out`
 * is gone (a reader that stopped: `mcp-core tools | head -3`).
 *
 * @example
 * await print(tools.map((tool) => `${tool.name}\n`));
 */
export async function print(texts: Iterable<string>, out: Writable = process.stdout): Promise<void> {
  let batch: string[] = [];
  let batched = 0;
  const write = async (text: string): Promise<boolean> => {
    if (out.destroyed) return false;
    if (!out.write(text)) await drained(out);
    return !out.destroyed;
  };
  const flush = async (): Promise<boolean> => {
    if (batched === 0) return true;
    const text = batch.length === 1 ? batch[0] : batch.join('');
    batch = [];
    batched = 0;
    return write(text);
  };
  for (const text of texts) {
    if (text.length < BATCH_CHARS) {
      batch.push(text);
      batched += text.length;
      if (batched >= BATCH_CHARS && !(await flush())) return;
      continue;
    }
    if (!(await flush())) return;
    for (const slice of slices(text)) if (!(await write(slice))) return;
  }
  await flush();
}
