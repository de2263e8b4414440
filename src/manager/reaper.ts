/**
 * No orphans: every upstream process this process started is killed, with its process group,
 * when this process exits, however it exits short of SIGKILL.
 *
 * - `process.on('exit')` covers `process.exit()`, the end of the event loop and uncaught
 *   exceptions; its handler must be synchronous, so it sends SIGKILL (there is no time to wait
 *   for a graceful stop).
 * - SIGINT, SIGTERM, SIGHUP and SIGQUIT end a Node process without an 'exit' event when nobody
 *   listens for them. Then the reaper kills the upstreams and raises the signal again, so the
 *   process ends as it would have. When the application listens itself, the reaper leaves the
 *   signal to it (it will exit, or, as a gateway on SIGHUP, go on). SIGHUP is the terminal
 *   closing: it reaches the terminal's foreground process group, and upstreams, each leading a
 *   group of its own, do not hear it.
 *
 * If this process is killed with SIGKILL, nothing can run: the upstreams then see their stdin
 * close, which is the stdio transport's shutdown signal, and well-behaved servers exit.
 */

/** What the reaper can kill synchronously: a stdio client transport. */
export interface Killable {
  signal(signal: NodeJS.Signals): void;
}

const live = new Set<Killable>();
let installed = false;

function killAll(): void {
  for (const child of live) child.signal('SIGKILL');
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else listens: the signal is theirs to handle (and they will exit).
  if (process.listenerCount(signal) > 1) return;
  killAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

/** The signals whose default action ends the process, and that a process can catch. */
const ENDING_SIGNALS: readonly NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

function install(): void {
  installed = true;
  process.on('exit', killAll);
  for (const signal of ENDING_SIGNALS) process.on(signal, onSignal);
}

/** Kills `child` when this process exits, until {@link release}d. */
export function track(child: Killable): void {
  if (!installed) install();
  live.add(child);
}

export function release(child: Killable): void {
  live.delete(child);
}
