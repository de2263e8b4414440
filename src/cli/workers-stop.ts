/**
 * The primary's part in the graceful shutdown of `--workers`: each worker is sent SIGTERM and
 * drains as one process does (shutdown.ts), and the primary exits once all have exited, with
 *
 * - 0 when every worker stopped by itself: its calls answered, those still running at the
 *   deadline with an error, as one process without workers exits 0;
 * - 1 when a worker had to be killed (its calls in flight went unanswered) or exited otherwise
 *   (a crash, a failed shutdown); the log names each such worker and why.
 *
 * A worker still running {@link KILL_GRACE_MS} past the deadline is killed; a second signal
 * makes the workers stop waiting for their calls (shutdown.ts), and brings the kill forward to
 * that long after it.
 */
import type { Worker } from 'node:cluster';
import { notices } from './notices.ts';

/**
 * Past the deadline, or a second signal, how long the primary waits before killing a worker: by
 * then it has answered its calls still running and has 2 s to write them (shutdown.ts).
 */
export const KILL_GRACE_MS = 5000;

export interface WorkersStop {
  /** A second signal (its name, for the log). */
  hurry(signal: string): void;
}

/**
 * Stops `running` and calls `exit` with the exit code once all have exited; `code` is the code
 * to exit with when nothing goes wrong (0, or the reason the primary stops: 1, 2).
 *
 * @example
 * const stopping = stopWorkers(workers, { code: 0, deadlineMs: 10_000, exit: (code) => process.exit(code) });
 * process.on('SIGTERM', () => stopping.hurry('SIGTERM'));
 */
export function stopWorkers(running: readonly Worker[], options: { code: number; deadlineMs: number; delayMs?: number; exit(code: number): void }): WorkersStop {
  let { code } = options;
  if (running.length === 0) {
    options.exit(code);
    return { hurry() {} };
  }
  const killed = new Set<Worker>();
  const delayMs = options.delayMs ?? 0;
  const within = delayMs > 0 ? `the shutdown delay and deadline (${delayMs} + ${options.deadlineMs} ms)` : `the shutdown deadline (${options.deadlineMs} ms)`;
  let killReason = `did not stop within ${within} and ${KILL_GRACE_MS} ms more`;
  let killAt = performance.now() + delayMs + options.deadlineMs + KILL_GRACE_MS;
  const alive = () => running.filter((worker) => !worker.isDead());
  const killLate = () => {
    for (const worker of alive()) {
      killed.add(worker);
      notices().error({ worker: worker.process.pid }, `worker ${worker.process.pid} ${killReason} (stopped, or its event loop blocked): killed, its calls in flight unanswered; exit code 1`);
      worker.process.kill('SIGKILL');
    }
  };
  let killer = setTimeout(killLate, killAt - performance.now());

  let left = running.length;
  const exited = () => {
    if (--left > 0) return;
    clearTimeout(killer);
    options.exit(code);
  };
  for (const worker of running) {
    worker.once('exit', (exitCode, signal) => {
      // A worker still starting has no handler yet and dies of the SIGTERM itself: with
      // nothing accepted, that is a clean stop too.
      const clean = signal === null ? exitCode === 0 : signal === 'SIGTERM';
      if (!clean) {
        code = code || 1;
        const how = signal === null ? `with code ${exitCode}` : `of ${signal}`;
        if (!killed.has(worker)) notices().error({ worker: worker.process.pid, code: exitCode, signal }, `worker ${worker.process.pid} exited ${how} while shutting down; exit code 1`);
      }
      exited();
    });
    worker.process.kill('SIGTERM');
  }
  return {
    hurry(signal) {
      const workers = alive();
      if (workers.length === 0) return;
      for (const worker of workers) worker.process.kill('SIGTERM');
      if (performance.now() + KILL_GRACE_MS >= killAt) return notices().warn(`a second signal (${signal}): the workers stop now`);
      killAt = performance.now() + KILL_GRACE_MS;
      killReason = `did not stop within ${KILL_GRACE_MS} ms of the second signal`;
      notices().warn(`a second signal (${signal}): the workers stop now; one still running in ${KILL_GRACE_MS} ms is killed`);
      clearTimeout(killer);
      killer = setTimeout(killLate, KILL_GRACE_MS);
    },
  };
}
