/**
 * Where tasks live (the `io.modelcontextprotocol/tasks` extension): their status, result or
 * error, and the input they wait for. The in-memory store is the default; a shared store lets
 * any process behind one endpoint answer `tasks/get`.
 */
import type { InputRequests } from '../protocol/types.ts';
import type { WireError } from '../protocol/wire-errors.ts';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export interface TaskRecord {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  /** ISO 8601 */
  createdAt: string;
  /** ISO 8601 */
  lastUpdatedAt: string;
  /** Lifetime from creation; null for unlimited. */
  ttlMs: number | null;
  pollIntervalMs?: number;
  /**
   * Who created the task, the only caller that may see or steer it: the principal's subject,
   * or without one the peer address (security/client-key.ts).
   */
  owner: string;
  result?: Record<string, unknown>;
  error?: WireError;
  /** Input requests still waiting for an answer, by key. */
  inputRequests?: InputRequests;
  /**
   * The process running the task's work, in a store several processes share: once its lease
   * lapses, a task it left working is failed.
   */
  runner?: string;
}

/** Which bound keeps a store from taking one more task: its owner's share, or the whole store. */
export type NoTaskRoom = 'owner' | 'total';

/** What a store is asked before it keeps a new task ({@link TaskStore.room}). */
export interface TaskRoomQuery {
  /** The new task's owner. */
  readonly owner: string;
  /**
   * New tasks this process admitted and has not stored yet, this one included: in all, and
   * of `owner`. They count as kept, so that tasks admitted together cannot pass the bounds.
   */
  readonly pendingTotal: number;
  readonly pendingOwner: number;
  /** Most tasks kept at once, and of one owner. */
  readonly maxRecords: number;
  readonly maxRecordsPerOwner: number;
}

/**
 * What a store is asked when a task ends with a result or error to keep
 * ({@link TaskStore.putOutcome}): the bytes it takes, and the bounds on the bytes kept.
 */
export interface TaskBytesQuery {
  /** About the JSON length of the record's result or error (protocol/json-size.ts). */
  readonly bytes: number;
  /** Most bytes of results and errors kept at once, and of one owner. */
  readonly maxBytes: number;
  readonly maxBytesPerOwner: number;
}

export interface TaskStore {
  /**
   * Writes the record. A record already in a terminal status is kept as it is (a task
   * cancelled through one process stays cancelled when its work, elsewhere, finishes).
   */
  put(record: TaskRecord): void | Promise<void>;
  /** The record, or undefined when unknown or expired. */
  get(taskId: string): TaskRecord | undefined | Promise<TaskRecord | undefined>;
  /**
   * Asked before a new task is stored: whether one more task of `query.owner` may be kept,
   * expired ones dropped first; else which bound is full. A live record is never dropped to
   * make room: its client may still fetch its result. A store without it keeps every task
   * until its TTL.
   */
  room?(query: TaskRoomQuery): NoTaskRoom | undefined | Promise<NoTaskRoom | undefined>;
  /**
   * Writes a task's final record, whose result or error takes `query.bytes`, as {@link put}
   * does; unless keeping those bytes would pass a bound (expired records dropped first): then
   * it writes nothing and answers which bound. The bytes count until the record expires. A
   * store without it keeps every outcome (put is called instead).
   */
  putOutcome?(record: TaskRecord, query: TaskBytesQuery): NoTaskRoom | undefined | Promise<NoTaskRoom | undefined>;
}

/** A record, when it expires (ms since the epoch; Infinity for a task without TTL), and the bytes of its outcome. */
interface Kept {
  record: TaskRecord;
  readonly expiresAt: number;
  bytes: number;
}

/** What one owner keeps: records, and bytes of outcomes. */
interface Holding {
  count: number;
  bytes: number;
}

/** How often put() drops expired records, besides room() when the store is full. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Keeps tasks in memory until their TTL runs out, sweeping lazily. Bounded through `room` and
 * `putOutcome`, by the limits their queries carry: when full, expired records are swept (only
 * once one has expired: until then a full store answers in constant time), never live ones.
 *
 * @example
 * const store = new MemoryTaskStore();
 * store.room({ owner: 'alice', pendingTotal: 1, pendingOwner: 1, maxRecords: 10_000, maxRecordsPerOwner: 1000 }); // undefined: room
 */
export class MemoryTaskStore implements TaskStore {
  readonly #records: Map<string, Kept>;
  /** What each owner keeps; an owner with no record is not in the map. */
  readonly #owners: Map<string, Holding>;
  /** Bytes of the outcomes kept, in all. */
  #bytes: number;
  /** No record expires before this (a lower bound, made exact by each sweep). */
  #nextExpiry: number;
  #lastSweep: number;

  constructor() {
    this.#records = new Map();
    this.#owners = new Map();
    this.#bytes = 0;
    this.#nextExpiry = Infinity;
    this.#lastSweep = Date.now();
  }

  put(record: TaskRecord): void {
    this.#write(record, 0);
  }

  putOutcome(record: TaskRecord, query: TaskBytesQuery): NoTaskRoom | undefined {
    // A terminal record is kept as it is (see put): nothing is written, so nothing is refused.
    const kept = this.#records.get(record.taskId);
    if (kept !== undefined && kept.record !== record && isTerminal(kept.record.status)) return undefined;
    let full = this.#tooManyBytes(record.owner, query);
    if (full !== undefined && this.#sweepExpired()) full = this.#tooManyBytes(record.owner, query);
    if (full === undefined) this.#write(record, query.bytes);
    return full;
  }

  get(taskId: string): TaskRecord | undefined {
    const kept = this.#records.get(taskId);
    if (kept === undefined) return undefined;
    if (kept.expiresAt < Date.now()) {
      this.#remove(taskId, kept);
      return undefined;
    }
    return kept.record;
  }

  room(query: TaskRoomQuery): NoTaskRoom | undefined {
    const full = this.#full(query);
    return full !== undefined && this.#sweepExpired() ? this.#full(query) : full;
  }

  /** Records kept, expired ones not yet swept included. */
  get size(): number {
    return this.#records.size;
  }

  /** Bytes of the outcomes kept, expired ones not yet swept included. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Records `owner` has kept. */
  countOf(owner: string): number {
    return this.#owners.get(owner)?.count ?? 0;
  }

  /** Bytes of the outcomes `owner` has kept. */
  bytesOf(owner: string): number {
    return this.#owners.get(owner)?.bytes ?? 0;
  }

  /**
   * Writes the record (unless the one kept is terminal: see {@link TaskStore.put}), its
   * outcome taking `bytes` in place of what the record took before.
   */
  #write(record: TaskRecord, bytes: number): void {
    const kept = this.#records.get(record.taskId);
    if (kept !== undefined) {
      if (kept.record !== record && isTerminal(kept.record.status)) return;
      kept.record = record;
      this.#charge(record.owner, bytes - kept.bytes);
      kept.bytes = bytes;
    } else {
      const expiresAt = expiryOf(record);
      this.#records.set(record.taskId, { record, expiresAt, bytes });
      const holding = this.#owners.get(record.owner);
      if (holding === undefined) this.#owners.set(record.owner, { count: 1, bytes: 0 });
      else holding.count++;
      this.#charge(record.owner, bytes);
      if (expiresAt < this.#nextExpiry) this.#nextExpiry = expiresAt;
    }
    const now = Date.now();
    if (now - this.#lastSweep > SWEEP_INTERVAL_MS) this.#sweep(now);
  }

  /** Adds `bytes` (maybe negative) to what `owner`, who keeps a record, and the store hold. */
  #charge(owner: string, bytes: number): void {
    if (bytes === 0) return;
    this.#owners.get(owner)!.bytes += bytes;
    this.#bytes += bytes;
  }

  #full(query: TaskRoomQuery): NoTaskRoom | undefined {
    if (this.countOf(query.owner) + query.pendingOwner > query.maxRecordsPerOwner) return 'owner';
    if (this.#records.size + query.pendingTotal > query.maxRecords) return 'total';
    return undefined;
  }

  #tooManyBytes(owner: string, query: TaskBytesQuery): NoTaskRoom | undefined {
    if (this.bytesOf(owner) + query.bytes > query.maxBytesPerOwner) return 'owner';
    if (this.#bytes + query.bytes > query.maxBytes) return 'total';
    return undefined;
  }

  /**
   * Drops the expired records of a full store, making room; false when none has expired yet:
   * then the refusal costs no walk over the records.
   */
  #sweepExpired(): boolean {
    const now = Date.now();
    if (this.#nextExpiry >= now) return false;
    this.#sweep(now);
    return true;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    let next = Infinity;
    for (const [id, kept] of this.#records) {
      if (kept.expiresAt < now) this.#remove(id, kept);
      else if (kept.expiresAt < next) next = kept.expiresAt;
    }
    this.#nextExpiry = next;
  }

  #remove(taskId: string, kept: Kept): void {
    this.#records.delete(taskId);
    const owner = kept.record.owner;
    this.#charge(owner, -kept.bytes);
    const holding = this.#owners.get(owner)!;
    if (--holding.count === 0) this.#owners.delete(owner);
  }
}

function expiryOf(record: TaskRecord): number {
  return record.ttlMs === null ? Infinity : Date.parse(record.createdAt) + record.ttlMs;
}
