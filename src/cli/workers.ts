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

/** Runs the primary: forks, restarts crashed workers, prints the URL once, stops them all. */
export function runPrimary(workers: number, requestStateSecret: string | undefined, onListening: (url: string) => void): void {
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

  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    if (alive.length === 0) process.exit(code);
    let left = alive.length;
    for (const worker of alive) {
      worker.once('exit', () => {
        if (--left === 0) process.exit(code);
      });
      worker.process.kill('SIGTERM');
    }
  };

  for (let i = 0; i < workers; i++) fork();
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
}
