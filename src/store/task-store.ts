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
  /** The principal that created the task; only it may see or steer it. */
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
}

/** A record and when it expires (ms since the epoch; Infinity for a task without TTL). */
interface Kept {
  record: TaskRecord;
  readonly expiresAt: number;
}

/** How often put() drops expired records, besides room() when the store is full. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Keeps tasks in memory until their TTL runs out, sweeping lazily. Bounded through `room`,
 * by the limits its query carries: when full, expired records are swept (only once one has
 * expired: until then a full store answers in constant time), never live ones.
 *
 * @example
 * const store = new MemoryTaskStore();
 * store.room({ owner: 'alice', pendingTotal: 1, pendingOwner: 1, maxRecords: 10_000, maxRecordsPerOwner: 1000 }); // undefined: room
 */
export class MemoryTaskStore implements TaskStore {
  readonly #records: Map<string, Kept>;
  /** How many records each owner has; an owner with none is not in the map. */
  readonly #owners: Map<string, number>;
  /** No record expires before this (a lower bound, made exact by each sweep). */
  #nextExpiry: number;
  #lastSweep: number;

  constructor() {
    this.#records = new Map();
    this.#owners = new Map();
    this.#nextExpiry = Infinity;
    this.#lastSweep = Date.now();
  }

  put(record: TaskRecord): void {
    const kept = this.#records.get(record.taskId);
    if (kept !== undefined) {
      if (kept.record !== record && isTerminal(kept.record.status)) return;
      kept.record = record;
    } else {
      const expiresAt = expiryOf(record);
      this.#records.set(record.taskId, { record, expiresAt });
      this.#owners.set(record.owner, (this.#owners.get(record.owner) ?? 0) + 1);
      if (expiresAt < this.#nextExpiry) this.#nextExpiry = expiresAt;
    }
    const now = Date.now();
    if (now - this.#lastSweep > SWEEP_INTERVAL_MS) this.#sweep(now);
  }

  get(taskId: string): TaskRecord | undefined {
    const kept = this.#records.get(taskId);
    if (kept === undefined) return undefined;
    if (kept.expiresAt < Date.now()) {
      this.#remove(taskId, kept.record.owner);
      return undefined;
    }
    return kept.record;
  }

  room(query: TaskRoomQuery): NoTaskRoom | undefined {
    const full = this.#full(query);
    if (full === undefined) return undefined;
    const now = Date.now();
    // Nothing has expired yet: the refusal costs no walk over the records.
    if (this.#nextExpiry >= now) return full;
    this.#sweep(now);
    return this.#full(query);
  }

  /** Records kept, expired ones not yet swept included. */
  get size(): number {
    return this.#records.size;
  }

  /** Records `owner` has kept. */
  countOf(owner: string): number {
    return this.#owners.get(owner) ?? 0;
  }

  #full(query: TaskRoomQuery): NoTaskRoom | undefined {
    if (this.countOf(query.owner) + query.pendingOwner > query.maxRecordsPerOwner) return 'owner';
    if (this.#records.size + query.pendingTotal > query.maxRecords) return 'total';
    return undefined;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    let next = Infinity;
    for (const [id, kept] of this.#records) {
      if (kept.expiresAt < now) this.#remove(id, kept.record.owner);
      else if (kept.expiresAt < next) next = kept.expiresAt;
    }
    this.#nextExpiry = next;
  }

  #remove(taskId: string, owner: string): void {
    this.#records.delete(taskId);
    const count = (this.#owners.get(owner) ?? 1) - 1;
    if (count > 0) this.#owners.set(owner, count);
    else this.#owners.delete(owner);
  }
}

function expiryOf(record: TaskRecord): number {
  return record.ttlMs === null ? Infinity : Date.parse(record.createdAt) + record.ttlMs;
}
