/**
 * What is kept for each request in flight, by its id (or by a counter of the keeper's own):
 * the table a connection, a session, a client or a transport writes on every request and
 * clears on its answer.
 *
 * Why not a Map: a Map that gains and loses an entry per request rebuilds its hash table every
 * few dozen requests, and V8 leaves each replaced table pointing at its successor (for the
 * iterators that may still walk it). As soon as one table has lived long enough to be moved to
 * the old generation (a quiet moment is enough), every later table, and every request its
 * entries point at, survives each young-generation collection until the next full one, which
 * leaves the table then current old in turn: the requests of a busy server are copied and
 * promoted instead of dying young, whatever their life. Measured on a gateway at 64 calls in
 * flight: collection took 18% of its time and a full collection ran every half second; without
 * the Map churn, 2% and one in 5 s (docs/ARCHITECTURE.md has the figures).
 *
 * So ids go in a ring of slots ({@link slotOf}): arrays written in place, which hold nothing
 * once cleared. The ring starts small and doubles, up to {@link MAX_SLOTS}, when it is half full
 * and an id finds its slot taken. An id whose slot another live id holds goes in a Map beside it.
 */
import type { RequestId } from './jsonrpc.ts';

/**
 * An id's slot: a number by its low bits (most clients count their requests); a string by its
 * last four characters, where ids differ (a counter after a prefix, as the Java SDK makes them,
 * or a random id). A client that picks ids to collide only sends them to the Map.
 */
function slotOf(id: RequestId, mask: number): number {
  if (typeof id === 'number') return id & mask;
  // Ids are looked up as a peer sent them (a response's id, a cancellation's requestId), which
  // may be anything: what is neither a number nor a string is in no slot.
  if (typeof id !== 'string') return 0;
  const end = id.length - 1;
  // Past the start charCodeAt is NaN, which the bitwise operators take as 0.
  return (id.charCodeAt(end) ^ (id.charCodeAt(end - 1) << 4) ^ (id.charCodeAt(end - 2) << 8) ^ (id.charCodeAt(end - 3) << 12)) & mask;
}

const FIRST_SLOTS = 8;
/** The ring's largest size: 1,024 requests in flight (16 KiB of slots). */
const MAX_SLOTS = 1024;
/**
 * A ring larger than this goes back to its first size when the table empties: a legacy
 * session's table, grown by one burst of requests, would otherwise keep its slots while the
 * session lives (up to 16 KiB each, times the sessions a server keeps).
 */
const KEPT_SLOTS = 64;

/** `K` narrows the ids a keeper uses (a counter of its own: `number`). */
export class RequestTable<V, K extends RequestId = RequestId> {
  #ids: (K | undefined)[];
  #values: (V | undefined)[];
  #mask: number;
  /** Entries in the ring. */
  #slotted: number;
  /** Entries whose id has no slot (see the class comment). */
  #overflow: Map<K, V> | undefined;

  constructor() {
    this.#ids = new Array<K | undefined>(FIRST_SLOTS).fill(undefined);
    this.#values = new Array<V | undefined>(FIRST_SLOTS).fill(undefined);
    this.#mask = FIRST_SLOTS - 1;
    this.#slotted = 0;
    this.#overflow = undefined;
  }

  get size(): number {
    return this.#slotted + (this.#overflow?.size ?? 0);
  }

  get(id: K): V | undefined {
    const slot = slotOf(id, this.#mask);
    if (this.#ids[slot] === id) return this.#values[slot];
    return this.#overflow?.get(id);
  }

  has(id: K): boolean {
    if (this.#ids[slotOf(id, this.#mask)] === id) return true;
    return this.#overflow?.has(id) ?? false;
  }

  set(id: K, value: V): void {
    if (!this.#overflow?.has(id)) {
      let slot = slotOf(id, this.#mask);
      if (this.#ids[slot] !== undefined && this.#ids[slot] !== id && this.#slotted * 2 >= this.#ids.length && this.#ids.length < MAX_SLOTS) {
        this.#grow();
        slot = slotOf(id, this.#mask);
      }
      const held = this.#ids[slot];
      if (held === id) {
        this.#values[slot] = value;
        return;
      }
      if (held === undefined) {
        this.#ids[slot] = id;
        this.#values[slot] = value;
        this.#slotted++;
        return;
      }
    }
    (this.#overflow ??= new Map()).set(id, value);
  }

  delete(id: K): boolean {
    const slot = slotOf(id, this.#mask);
    if (this.#ids[slot] === id) {
      this.#ids[slot] = undefined;
      this.#values[slot] = undefined;
      if (--this.#slotted === 0 && this.#ids.length > KEPT_SLOTS && this.#overflow === undefined) this.#resize(FIRST_SLOTS);
      return true;
    }
    if (this.#overflow?.delete(id) !== true) return false;
    if (this.#overflow.size === 0) this.#overflow = undefined;
    return true;
  }

  /** The entries as they are now: the table may change while the caller goes through them. */
  entries(): [K, V][] {
    const entries: [K, V][] = [];
    const ids = this.#ids;
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== undefined) entries.push([ids[slot]!, this.#values[slot]!]);
    if (this.#overflow !== undefined) entries.push(...this.#overflow);
    return entries;
  }

  /** The values as they are now (see {@link entries}). */
  values(): V[] {
    return this.entries().map(([, value]) => value);
  }

  clear(): void {
    this.#ids.fill(undefined);
    this.#values.fill(undefined);
    this.#slotted = 0;
    this.#overflow = undefined;
  }

  /** Doubles the ring; an entry that finds its new slot taken moves to the overflow. */
  #grow(): void {
    this.#resize(this.#ids.length * 2);
  }

  #resize(size: number): void {
    const ids = this.#ids;
    const values = this.#values;
    this.#ids = new Array<K | undefined>(size).fill(undefined);
    this.#values = new Array<V | undefined>(size).fill(undefined);
    this.#mask = size - 1;
    this.#slotted = 0;
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== undefined) this.set(ids[slot]!, values[slot]!);
  }
}
