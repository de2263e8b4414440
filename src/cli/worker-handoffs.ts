/**
 * The connections the primary of `--workers` handed to a worker that the worker never took.
 *
 * node:cluster's round-robin accepts each connection in the primary and sends it to one worker,
 * keeping its own copy open until the worker says it took it. A worker that never says (stopped,
 * or its event loop blocked, then killed) leaves that connection open in the primary with
 * nobody to read it: its client waits forever. Once such a worker has exited, each connection
 * it never took is answered in its name as "not taken", and node:cluster hands it to another
 * worker, as it does for a worker closing its server; its client sees nothing but the delay.
 * With no other worker serving, it is closed instead.
 *
 * This reads node:cluster's own messages (a `newconn` with its `seq`, the `ack` answering it).
 * Should a Node.js release change them, nothing is tracked and such connections hang as before.
 */
import type { Worker } from 'node:cluster';

const CLUSTER = 'NODE_CLUSTER';

interface ClusterMessage {
  cmd?: unknown;
  act?: unknown;
  seq?: unknown;
  ack?: unknown;
}

interface Closable {
  close(): void;
}

function isClosable(handle: unknown): handle is Closable {
  return typeof (handle as Closable | null)?.close === 'function';
}

/**
 * Tracks the connections handed to `worker` until it takes them; call right after the fork.
 * Once the worker is gone, those it never took go to the others when `othersServe()`, or are
 * closed.
 *
 * @example
 * trackHandoffs(worker, () => servingWorkers.size > 1);
 */
export function trackHandoffs(worker: Worker, othersServe: () => boolean): void {
  const child = worker.process;
  /** The connections sent and not yet taken, by the sequence number of their message. */
  const untaken = new Map<number, Closable>();
  const send = child.send;
  child.send = function (this: unknown, ...args: unknown[]) {
    const [message, handle] = args as [ClusterMessage | null, unknown];
    if (message?.cmd === CLUSTER && message.act === 'newconn' && typeof message.seq === 'number' && isClosable(handle)) untaken.set(message.seq, handle);
    return Reflect.apply(send, this, args) as boolean;
  } as typeof child.send;
  child.on('internalMessage', (message: ClusterMessage | null) => {
    if (message?.cmd === CLUSTER && typeof message.ack === 'number') untaken.delete(message.ack);
  });
  // node:cluster forgets the worker once it has both exited and disconnected, whichever comes
  // last; released before that, a connection could be handed back to it.
  const gone = () => {
    if (untaken.size === 0 || !worker.isDead() || worker.isConnected()) return;
    const elsewhere = othersServe();
    for (const [seq, handle] of untaken) {
      if (elsewhere) child.emit('internalMessage', { cmd: CLUSTER, ack: seq, accepted: false });
      else handle.close();
    }
    untaken.clear();
  };
  worker.on('exit', gone);
  worker.on('disconnect', gone);
}
