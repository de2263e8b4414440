/**
 * SSE keep-alive: a comment line on every open stream now and then, so proxies and idle
 * timeouts do not cut a quiet long-lived stream (spec 2026-07-28, Streamable HTTP: the
 * `subscriptions/listen` stream). One shared timer serves all streams.
 */
import type { ResponseSink } from './sink.ts';

export const KEEP_ALIVE_MS = 15_000;

const open = new Set<ResponseSink>();
let timer: NodeJS.Timeout | undefined;

function beat(): void {
  for (const sink of open) {
    if (sink.done) release(sink);
    // A client that is not reading has no idle timeout to keep off, only a queue to grow.
    else if (!sink.backedUp) sink.write(':\n\n');
  }
}

export function keepAlive(sink: ResponseSink): void {
  open.add(sink);
  if (timer === undefined) {
    timer = setInterval(beat, KEEP_ALIVE_MS);
    timer.unref();
  }
}

export function release(sink: ResponseSink): void {
  open.delete(sink);
  if (open.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** How many streams are kept alive (for tests and metrics). */
export function keptAlive(): number {
  return open.size;
}
