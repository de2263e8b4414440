/**
 * `mcp-core serve --workers N`: N processes serving HTTP on one port through node:cluster.
 *
 * Modern (stateless) requests scale across workers as they are. The workers share the secret
 * that seals MRTR requestState, so a retry may land on any of them. Legacy sessions and tasks
 * live in the worker that created them: clients that use them need sticky routing.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { flushNotices, nothingToReloadOnSighup, notices } from './notices.ts';
import { trackHandoffs } from './worker-handoffs.ts';
import { watchHeartbeats } from './worker-heartbeat.ts';
import { stopWorkers, type WorkersStop } from './workers-stop.ts';

const MAX_QUICK_CRASHES = 5;
/** The exit code of a usage or configuration error, which the process has printed (main.ts). */
const CONFIG_ERROR_EXIT = 2;

/** Set by the primary for its workers: the port they all listen on (see {@link runPrimary}). */
export const WORKER_PORT_VARIABLE = 'MCP_CORE_WORKER_PORT';

export interface WorkerMessage {
  type: 'listening';
  url: string;
}

/** A port free on `host` now, chosen by the system. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface PrimaryOptions {
  workers: number;
  requestStateSecret: string | undefined;
  shutdownDeadlineMs: number;
  /** How long each worker still serves new requests once told to stop (server.shutdownDelayMs). */
  shutdownDelayMs?: number;
  /** Each worker reloads its API keys on SIGHUP (auth.mode apiKey): the primary passes it on. */
  reloadsApiKeys?: boolean;
  /** A worker that leaves the heartbeat unanswered this long is replaced; 0: never (worker-heartbeat.ts). */
  heartbeatTimeoutMs: number;
  /** Where the workers listen; port 0 picks a free port, once, for all of them. */
  host: string;
  port: number;
  /** Answer the workers' requests for the metrics of the whole cluster, a gather answering them for maxAgeMs. */
  metrics?: { maxAgeMs: number };
}

/**
 * Runs the primary: forks, restarts crashed workers, prints the URL once every worker listens
 * (node:cluster closes the shared port whenever no listening worker is left: announced with
 * one worker still starting, the port would refuse connections if the first one crashed,
 * until another listened). A worker that stops answering the heartbeat is killed and replaced,
 * and the connections handed to it that it never took go to the others (worker-handoffs.ts).
 * SIGTERM/SIGINT are passed to the workers as SIGTERM, each drains its calls
 * (shutdownDeadlineMs) and exits; the primary exits when they all have (workers-stop.ts).
 */
export async function runPrimary(options: PrimaryOptions, onListening: (url: string) => void): Promise<void> {
  const { workers, requestStateSecret, shutdownDeadlineMs, heartbeatTimeoutMs } = options;
  const onMetricsRequest = options.metrics === undefined ? undefined : (await import('../observability/cluster-metrics.ts')).primaryMetricsHandler(options.metrics);
  // Port 0 is resolved here, not by each worker: node:cluster keys the shared listening socket
  // by the port asked for, and when every worker that asked for "0" has died it closes that
  // socket; replacements asking for "0" again would get a new random port behind the URL
  // already announced.
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const env = {
    // One secret for all, so a requestState sealed by one worker opens in another.
    MCP__SERVER__REQUESTSTATESECRET: requestStateSecret ?? randomBytes(32).toString('base64url'),
    [WORKER_PORT_VARIABLE]: String(port),
  };
  let stopping: WorkersStop | undefined;
  let announced = false;
  /** The workers listening now, until the first announcement. */
  const listening = new Set<Worker>();
  /** The workers that listen and have not exited. */
  const serving = new Set<Worker>();
  let quickCrashes = 0;
  const heartbeats = watchHeartbeats(heartbeatTimeoutMs, (worker) => {
    const pid = worker.process.pid;
    notices().error({ worker: pid }, `worker ${pid} did not answer the heartbeat within ${heartbeatTimeoutMs} ms (stopped, or its event loop blocked): killing it; its calls in flight are lost`);
    worker.process.kill('SIGKILL');
  });

  /** `replacing`: the pid of the crashed worker this one takes the place of. */
  const fork = (replacing?: number): Worker => {
    const worker = cluster.fork(env);
    // Another serves only while connected: node:cluster drops a worker from the shared port at
    // its disconnect, before its exit, and a connection handed on after the last one was dropped
    // went to a port nobody served any more, neither served nor closed.
    trackHandoffs(worker, () => stopping === undefined && [...serving].some((other) => other !== worker && other.isConnected() && !other.isDead()));
    const started = performance.now();
    let listened = false;
    worker.on('message', (message: WorkerMessage) => {
      onMetricsRequest?.(worker, message);
      if (message?.type !== 'listening') return;
      listened = true;
      serving.add(worker);
      heartbeats.watch(worker);
      if (replacing !== undefined) notices().warn({ worker: worker.process.pid, replacing }, `worker ${worker.process.pid} is serving in place of ${replacing}`);
      if (announced) return;
      listening.add(worker);
      if (listening.size < workers) return;
      announced = true;
      listening.clear();
      onListening(message.url);
    });
    worker.on('exit', (code, signal) => {
      listening.delete(worker);
      serving.delete(worker);
      if (stopping !== undefined) return;
      // At startup, a worker refusing the configuration (a TLS file missing or not pairing) has
      // said why; every other would too: restarting it only repeats the error, and the command
      // ends as it does without workers, with exit code 2.
      if (!announced && signal === null && code === CONFIG_ERROR_EXIT) {
        stop(CONFIG_ERROR_EXIT);
        return;
      }
      // A worker that never listened failed to start, however long it took (a loaded machine, a
      // port taken): counted with the quick ones, or such workers were restarted forever.
      quickCrashes = !listened || performance.now() - started < 2000 ? quickCrashes + 1 : 0;
      if (quickCrashes >= MAX_QUICK_CRASHES) {
        notices().error({ signal, code }, 'workers keep crashing; giving up');
        stop(1);
        return;
      }
      notices().warn({ worker: worker.process.pid, signal, code }, `worker ${worker.process.pid} exited; starting another`);
      fork(worker.process.pid);
    });
    return worker;
  };

  /** The workers not yet exited. */
  const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  const stop = (code: number, signal?: string) => {
    if (stopping !== undefined) return stopping.hurry(signal ?? 'a signal');
    heartbeats.stop();
    stopping = stopWorkers(alive(), {
      code,
      deadlineMs: shutdownDeadlineMs,
      // Each worker takes it on SIGTERM, whatever made the primary stop.
      delayMs: options.shutdownDelayMs ?? 0,
      exit: (exitCode) => {
        flushNotices();
        process.exit(exitCode);
      },
    });
  };

  for (let i = 0; i < workers; i++) fork();
  process.on('SIGINT', () => stop(0, 'SIGINT'));
  process.on('SIGTERM', () => stop(0, 'SIGTERM'));
  if (options.reloadsApiKeys !== true) nothingToReloadOnSighup();
  else {
    // The primary alone gets a `systemctl reload` or a `kill -HUP` of the main pid.
    process.on('SIGHUP', () => {
      for (const worker of alive()) worker.process.kill('SIGHUP');
    });
  }
}
