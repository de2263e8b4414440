/**
 * `mcp-core serve --workers N`: N processes serving HTTP on one port through node:cluster.
 *
 * Modern (stateless) requests scale across workers as they are. The workers share the secret
 * that seals MRTR requestState, so a retry may land on any of them. Legacy sessions and tasks
 * live in the worker that created them: clients that use them need sticky routing.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';

const MAX_QUICK_CRASHES = 5;

export interface WorkerMessage {
  type: 'listening';
  url: string;
}

/** Past the workers' own shutdown deadline, how long the primary waits before killing them. */
const KILL_AFTER_DEADLINE_MS = 10_000;

/**
 * Runs the primary: forks, restarts crashed workers, prints the URL once. SIGTERM/SIGINT are
 * passed to the workers as SIGTERM, each drains its calls (shutdownDeadlineMs) and exits; the
 * primary exits when they all have, 0 when they all exited cleanly.
 */
export function runPrimary(workers: number, requestStateSecret: string | undefined, shutdownDeadlineMs: number, onListening: (url: string) => void): void {
  // One secret for all, so a requestState sealed by one worker opens in another.
  const env = { MCP__SERVER__REQUESTSTATESECRET: requestStateSecret ?? randomBytes(32).toString('base64url') };
  let stopping = false;
  let announced = false;
  let quickCrashes = 0;

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    const started = Date.now();
    worker.on('message', (message: WorkerMessage) => {
      if (message?.type === 'listening' && !announced) {
        announced = true;
        onListening(message.url);
      }
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      quickCrashes = Date.now() - started < 2000 ? quickCrashes + 1 : 0;
      if (quickCrashes >= MAX_QUICK_CRASHES) {
        process.stderr.write(`mcp-core: workers keep crashing (last: ${signal ?? `code ${code}`}); giving up\n`);
        stop(1);
        return;
      }
      process.stderr.write(`mcp-core: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another\n`);
      fork();
    });
    return worker;
  };

  const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  const stop = (code: number) => {
    if (stopping) {
      // A second signal: the workers stop waiting for their calls in flight.
      for (const worker of alive()) worker.process.kill('SIGTERM');
      return;
    }
    stopping = true;
    const running = alive();
    if (running.length === 0) process.exit(code);
    let left = running.length;
    for (const worker of running) {
      worker.once('exit', (exitCode, signal) => {
        // A worker still starting has no handler yet and dies of the SIGTERM itself: with
        // nothing accepted, that is a clean stop too.
        if (signal === null ? exitCode !== 0 : signal !== 'SIGTERM') code = code || 1;
        if (--left === 0) process.exit(code);
      });
      worker.process.kill('SIGTERM');
    }
    const killer = setTimeout(() => {
      for (const worker of alive()) worker.process.kill('SIGKILL');
    }, shutdownDeadlineMs + KILL_AFTER_DEADLINE_MS);
    killer.unref();
  };

  for (let i = 0; i < workers; i++) fork();
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}
