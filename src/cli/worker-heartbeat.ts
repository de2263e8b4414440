/**
 * The heartbeat of `--workers`: the primary asks each serving worker over IPC, every half of
 * `workerHeartbeatTimeoutMs`, to answer; a worker that owes an answer for the whole timeout is
 * unresponsive (stopped, or its event loop blocked) and is replaced. node:cluster would
 * otherwise go on handing it connections that nobody reads. One small message per worker per
 * tick, nothing per request.
 */
import type { Worker } from 'node:cluster';

const HEARTBEAT = 'mcp-core:heartbeat';

interface HeartbeatMessage {
  type: typeof HEARTBEAT;
}

function isHeartbeat(message: unknown): message is HeartbeatMessage {
  return (message as HeartbeatMessage | null)?.type === HEARTBEAT;
}

/** In a worker: answers the primary's heartbeat, from the event loop that serves. */
export function answerHeartbeats(): void {
  process.on('message', (message: unknown) => {
    if (!isHeartbeat(message)) return;
    // The callback takes a failed send (the primary gone: the worker ends with it) off 'error'.
    process.send?.({ type: HEARTBEAT } satisfies HeartbeatMessage, undefined, undefined, () => {});
  });
}

export interface Heartbeats {
  /** Starts asking `worker` (once it serves: starting may take long on a loaded machine). */
  watch(worker: Worker): void;
  /** Stops asking every worker (the shutdown has its own deadline). */
  stop(): void;
}

/**
 * In the primary: calls `onUnresponsive` once for a watched worker that has not answered for
 * `timeoutMs` (between 1 and 1.5 times that after it stopped answering). 0: never.
 *
 * @example
 * const heartbeats = watchHeartbeats(10_000, (worker) => worker.process.kill('SIGKILL'));
 * heartbeats.watch(worker);
 */
export function watchHeartbeats(timeoutMs: number, onUnresponsive: (worker: Worker) => void): Heartbeats {
  /** Each watched worker, and since when it owes an answer (undefined: it owes none). */
  const owed = new Map<Worker, number | undefined>();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = performance.now();
    for (const [worker, since] of owed) {
      if (since === undefined) {
        owed.set(worker, now);
        worker.send({ type: HEARTBEAT } satisfies HeartbeatMessage, () => {});
      } else if (now - since >= timeoutMs) {
        owed.delete(worker);
        onUnresponsive(worker);
      }
    }
  };
  return {
    watch(worker) {
      if (timeoutMs === 0 || worker.isDead()) return;
      owed.set(worker, undefined);
      worker.on('message', (message: unknown) => {
        if (isHeartbeat(message) && owed.has(worker)) owed.set(worker, undefined);
      });
      worker.once('exit', () => owed.delete(worker));
      timer ??= setInterval(tick, Math.max(1, Math.floor(timeoutMs / 2))).unref();
    },
    stop() {
      clearInterval(timer);
      owed.clear();
    },
  };
}
