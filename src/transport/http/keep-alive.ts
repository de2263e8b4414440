/**
 * SSE keep-alive: a comment line on every open stream now and then, so proxies and idle
 * timeouts do not cut a quiet long-lived stream (spec 2026-07-28, Streamable HTTP: the
 * `subscriptions/listen` stream). One shared timer serves all streams.
 */
import { RequestTable } from '../../protocol/request-table.ts';
import type { ResponseSink } from './sink.ts';

export const KEEP_ALIVE_MS = 15_000;

/** The streams kept alive, by a count of their own: a stream is opened and let go per request (request-table.ts says why not a Set). */
const open = new RequestTable<ResponseSink, number>();
let opened = 0;
let timer: NodeJS.Timeout | undefined;

function beat(): void {
  for (const [key, sink] of open.entries()) {
    if (sink.done) release(key);
    // A client that is not reading has no idle timeout to keep off, only a queue to grow.
    else if (!sink.backedUp) sink.write(':\n\n');
  }
}

/** Keeps `sink` alive until {@link release} is given the key this returns. */
export function keepAlive(sink: ResponseSink): number {
  const key = ++opened;
  open.set(key, sink);
  if (timer === undefined) {
    timer = setInterval(beat, KEEP_ALIVE_MS);
    timer.unref();
  }
  return key;
}

export function release(key: number): void {
  open.delete(key);
  if (open.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** How many streams are kept alive (for tests and metrics). */
export function keptAlive(): number {
  return open.size;
}
