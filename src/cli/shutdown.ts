/**
 * Graceful shutdown of `mcp-core serve` (SIGTERM, SIGINT, or the stdio client closing stdin):
 *
 * 1. `/readyz` turns unready; with a delay (`server.shutdownDelayMs`), new requests are still
 *    served that long, while load balancers notice and stop sending them (a Kubernetes
 *    Service drops a terminating pod's address a few seconds after the signal: a request
 *    refused meanwhile was a failure its client saw); then the server ends its long-lived
 *    requests gracefully (`subscriptions/listen` answers its final result);
 * 2. every transport refuses new requests (HTTP 503 with a JSON-RPC error, a JSON-RPC error
 *    over stdio) while the calls it accepted run on, up to `server.shutdownDeadlineMs`;
 * 3. calls still running then are answered with an error and cancelled;
 * 4. the listeners close once the answers are written, and the process exits 0.
 *
 * A second signal skips the rest of the wait (step 3 at once), and says so: the calls it stops
 * are answered with an error naming the signal, not the deadline, which has not passed.
 */
import type { Health } from '../observability/health.ts';
import type { McpServer } from '../server/server.ts';
import { deadlinePassed, STOPPED_AT_ONCE, type Drainable } from '../transport/drain.ts';

/** How long connections get to finish writing their last answers before they are cut. */
const WRITE_GRACE_MS = 2000;

export interface Stoppable {
  server: McpServer;
  health: Health | undefined;
  drainables: readonly Drainable[];
  close(graceMs?: number): Promise<void>;
}

export interface ShutdownOptions {
  /** What started it, for the log: `SIGTERM`, `stdin closed`. */
  reason: string;
  deadlineMs: number;
  /** How long new requests are still served once `/readyz` is unready (step 1). Default 0. */
  delayMs?: number;
  /** Aborted by a second signal, its name the reason (`SIGTERM`): stop waiting for calls in flight. */
  hurry: AbortSignal;
  log: (line: string) => void;
}

/** How the wait for the calls in flight ended. */
type WaitEnd = 'drained' | 'deadline' | 'hurried';

/** Waits for `work` at most `ms`, and not past `hurry`'s abort. */
function within(work: Promise<unknown>, ms: number, hurry: AbortSignal): Promise<WaitEnd> {
  return new Promise<WaitEnd>((resolve) => {
    if (hurry.aborted) return resolve('hurried');
    const timer = setTimeout(() => finish('deadline'), ms);
    const onHurry = () => finish('hurried');
    function finish(end: WaitEnd) {
      clearTimeout(timer);
      hurry.removeEventListener('abort', onHurry);
      resolve(end);
    }
    hurry.addEventListener('abort', onHurry, { once: true });
    work.then(() => finish('drained'), () => finish('drained'));
  });
}

/**
 * @example
 * await shutdownGracefully(serving, { reason: 'SIGTERM', deadlineMs: 10_000, hurry: secondSignal, log });
 * process.exit(0);
 */
export async function shutdownGracefully(target: Stoppable, options: ShutdownOptions): Promise<void> {
  target.health?.startDraining();
  const delayMs = options.delayMs ?? 0;
  if (delayMs > 0) {
    options.log(`${options.reason}: not ready; new requests are still served for ${delayMs} ms (server.shutdownDelayMs) while load balancers stop sending them`);
    await within(new Promise(() => {}), delayMs, options.hurry);
  }
  target.server.close();
  options.log(`${options.reason}: shutting down; new requests are refused, calls in flight have ${options.deadlineMs} ms to finish`);
  const drained = Promise.all(target.drainables.map((drainable) => drainable.drain()));
  const end = await within(drained, options.deadlineMs, options.hurry);
  if (end !== 'drained') {
    const signal = typeof options.hurry.reason === 'string' ? options.hurry.reason : 'a signal';
    options.log(
      end === 'deadline'
        ? `calls still running after the shutdown deadline (${options.deadlineMs} ms) are answered with an error`
        : `a second signal (${signal}): stopping now; calls still running are answered with an error`,
    );
    const error = end === 'deadline' ? deadlinePassed(options.deadlineMs) : STOPPED_AT_ONCE;
    for (const drainable of target.drainables) drainable.abandon(error);
  }
  await target.close(WRITE_GRACE_MS);
}
