/**
 * Follows Redis Streams as they are written: one XREAD BLOCK at a time over every followed
 * stream, on the connection reserved for blocking reads. A new follower first reads what is
 * already stored (XRANGE), then wakes the blocked read (CLIENT UNBLOCK) so that the next one
 * includes it. A read delivers only to the followers it was made for, and every delivery
 * skips what a follower already has, so entries are delivered once each, in order.
 */
import type { RedisConnection } from './connection.ts';

/** One Redis Streams entry: its id and its flat field/value list. */
export type StreamEntry = [id: string, fields: string[]];

interface Tail {
  readonly key: string;
  /** The id of the last entry delivered. */
  lastId: string;
  readonly deliver: (entries: StreamEntry[]) => void;
}

/** How long one read blocks when nothing comes; a read is also woken by a new follower. */
const BLOCK_MS = 5000;
/** After a failed read (Redis unreachable), the next one waits this long. */
const RETRY_MS = 250;

export class StreamTail {
  readonly #redis: RedisConnection;
  readonly #tails: Set<Tail>;
  #reading: boolean;
  /** CLIENT ID of the blocking connection while it reads, for CLIENT UNBLOCK. */
  #readerId: number | undefined;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
    this.#tails = new Set();
    this.#reading = false;
    this.#readerId = undefined;
  }

  /** Delivers the entries of `key` after `afterId`, in order, until the returned function is called. */
  follow(key: string, afterId: string, deliver: (entries: StreamEntry[]) => void): () => void {
    const tail: Tail = { key, lastId: afterId, deliver };
    this.#tails.add(tail);
    this.#redis.commands.xrange(key, `(${afterId}`, '+').then(
      (entries) => this.#deliver(tail, entries as StreamEntry[]),
      (error: unknown) => this.#redis.report(error, 'Redis stream follow'),
    );
    if (!this.#reading) {
      this.#reading = true;
      this.#loop().catch((error: unknown) => this.#redis.report(error, 'Redis stream follow'));
    } else {
      this.#wake();
    }
    return () => this.#tails.delete(tail);
  }

  /** How many streams are followed (for tests and metrics). */
  get size(): number {
    return this.#tails.size;
  }

  async #loop(): Promise<void> {
    const blocking = this.#redis.blocking;
    try {
      while (this.#tails.size > 0) {
        // One read per key, from the earliest position any of its followers needs.
        const readFor = [...this.#tails];
        const from = new Map<string, string>();
        for (const tail of readFor) {
          const known = from.get(tail.key);
          if (known === undefined || compareIds(tail.lastId, known) < 0) from.set(tail.key, tail.lastId);
        }
        let result: Array<[string, StreamEntry[]]> | null;
        try {
          this.#readerId = (await blocking.client('ID')) as number;
          result = (await blocking.xread('BLOCK', BLOCK_MS, 'STREAMS', ...from.keys(), ...from.values())) as Array<[string, StreamEntry[]]> | null;
        } catch (error) {
          this.#readerId = undefined;
          this.#redis.report(error, 'Redis stream follow');
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          continue;
        }
        this.#readerId = undefined;
        if (result !== null) this.#dispatch(result, readFor);
      }
    } finally {
      this.#reading = false;
    }
  }

  #dispatch(result: Array<[string, StreamEntry[]]>, readFor: readonly Tail[]): void {
    for (const [key, entries] of result) {
      for (const tail of readFor) if (tail.key === key) this.#deliver(tail, entries);
    }
  }

  /** Delivers the entries the follower does not have yet, if it still follows. */
  #deliver(tail: Tail, entries: StreamEntry[]): void {
    if (!this.#tails.has(tail)) return;
    const fresh = entries.filter(([id]) => compareIds(id, tail.lastId) > 0);
    if (fresh.length === 0) return;
    tail.lastId = fresh[fresh.length - 1][0];
    tail.deliver(fresh);
  }

  /** Ends the read in progress so that the next one includes a new follower. */
  #wake(): void {
    const readerId = this.#readerId;
    if (readerId === undefined) return;
    this.#redis.commands.client('UNBLOCK', readerId).catch((error: unknown) => this.#redis.report(error, 'Redis stream follow'));
  }
}

/** Orders Redis Streams ids (`<ms>-<seq>`). */
export function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(Number);
  const [bMs, bSeq] = b.split('-').map(Number);
  return aMs !== bMs ? aMs - bMs : (aSeq ?? 0) - (bSeq ?? 0);
}
