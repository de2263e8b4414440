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

export interface TaskStore {
  /**
   * Writes the record. A record already in a terminal status is kept as it is (a task
   * cancelled through one process stays cancelled when its work, elsewhere, finishes).
   */
  put(record: TaskRecord): void | Promise<void>;
  /** The record, or undefined when unknown or expired. */
  get(taskId: string): TaskRecord | undefined | Promise<TaskRecord | undefined>;
}

/** Keeps tasks in memory until their TTL runs out, sweeping lazily. */
export class MemoryTaskStore implements TaskStore {
  readonly #records: Map<string, TaskRecord>;
  #lastSweep: number;

  constructor() {
    this.#records = new Map();
    this.#lastSweep = Date.now();
  }

  put(record: TaskRecord): void {
    const kept = this.#records.get(record.taskId);
    if (kept !== undefined && kept !== record && isTerminal(kept.status)) return;
    this.#records.set(record.taskId, record);
    const now = Date.now();
    if (now - this.#lastSweep > 60_000) this.#sweep(now);
  }

  get(taskId: string): TaskRecord | undefined {
    const record = this.#records.get(taskId);
    if (record === undefined) return undefined;
    if (expired(record, Date.now())) {
      this.#records.delete(taskId);
      return undefined;
    }
    return record;
  }

  get size(): number {
    return this.#records.size;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [id, record] of this.#records) if (expired(record, now)) this.#records.delete(id);
  }
}

function expired(record: TaskRecord, now: number): boolean {
  return record.ttlMs !== null && Date.parse(record.createdAt) + record.ttlMs < now;
}
