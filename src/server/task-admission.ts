/**
 * Bounds on what tasks (the `io.modelcontextprotocol/tasks` extension) let a client make the
 * server hold: works running in the background in this process, records kept in the task
 * store, and the bytes of the results they keep, each in all and per owner (the client of
 * security/client-key.ts: the principal's subject, or without one the peer address).
 *
 * A call that becomes a task gives back its request's concurrency slot (security/concurrency.ts):
 * its work goes on with nothing else bounding it. So a call is admitted as a task only when both
 * bounds have room. One that may run either way (task support optional) then just stays a plain
 * request, bounded as one; one that must be a task is refused before its work starts, with
 * a `-32000` error naming the limit (HTTP 503 with `Retry-After`, like every overload refusal).
 *
 * The size of a result is known only once the work has ended, long after its call was answered
 * with the task's handle. A result that would pass the bytes bounds (expired records make room
 * first; a live one is never dropped, its client may still fetch it) is not kept: the task ends
 * `failed` with the same `-32000` error naming the bound, which is what its request would have
 * answered (tasks extension, Task Execution Errors: `failed` carries the request's JSON-RPC
 * error), rather than `completed` without its result.
 */
import { reportRefusal } from '../protocol/refusal-report.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import { Refusal } from '../security/edge.ts';
import type { NoTaskRoom, TaskBytesQuery, TaskRoomQuery } from '../store/task-store.ts';
import type { RequestContext } from './context.ts';

export interface TaskLimits {
  /**
   * Task works running at once in this process. Default 1,000: about the requests in flight
   * one process admits over HTTP (`inflight.maxRequests`, 1,024), so tasks cannot hold more
   * work than requests could.
   */
  maxRunning?: number;
  /** Task works of one owner running at once in this process. Default 100: ten callers at it fill the process. */
  maxRunningPerOwner?: number;
  /**
   * Task records kept in the store at once (counted over every process sharing it), finished
   * ones until their TTL. Default 10,000, as legacy sessions.
   */
  maxRecords?: number;
  /**
   * Task records of one owner kept at once. Default 1,000, as sessions per client: with the
   * default 5-minute TTL, a caller may start a task every 0.3 s without end.
   */
  maxRecordsPerOwner?: number;
  /**
   * Bytes of results (and errors) kept at once by finished tasks, as JSON (counted over every
   * process sharing the store). Default 256 MiB: what a small Redis or a quarter of a 1 GiB
   * process may spare; the count bounds alone let results reach `maxRecords` times
   * `http.maxBodyBytes` (40 GiB with a tool that echoes its input).
   */
  maxResultBytes?: number;
  /**
   * Bytes of results kept at once by one owner's tasks. Default 64 MiB: every one of its
   * `maxRecordsPerOwner` tasks with a 64 KiB result, or 16 at the HTTP body limit; four callers
   * at it fill `maxResultBytes`.
   */
  maxResultBytesPerOwner?: number;
}

/** The bound that turned a task away: named in its error (`data.limit`). */
export type TaskLimit = keyof TaskLimits;

interface OwnerCounts {
  /** Works admitted and not ended. */
  running: number;
  /** Of those, the ones whose record is not stored yet. */
  unrecorded: number;
}

/** Retry-After, seconds: a work may end any moment; a record lasts until its TTL. */
const RETRY_RUNNING_SEC = 1;
const RETRY_RECORDS_SEC = 5;

const MIB = 1024 * 1024;

/**
 * Counts the task works of this process, and answers whether one more may start.
 *
 * @example
 * const admission = new TaskAdmission({ maxRunning: 100, maxRunningPerOwner: 10 });
 * if (admission.claim('alice') === undefined) {
 *   // ... store the task, run its work ...
 *   admission.release('alice', true);
 * }
 */
export class TaskAdmission {
  readonly maxRunning: number;
  readonly maxRunningPerOwner: number;
  readonly maxRecords: number;
  readonly maxRecordsPerOwner: number;
  readonly maxResultBytes: number;
  readonly maxResultBytesPerOwner: number;
  #running: number;
  #unrecorded: number;
  readonly #owners: Map<string, OwnerCounts>;
  readonly #refusals: Readonly<Record<TaskLimit, TaskRefusal>>;

  constructor(limits: TaskLimits = {}) {
    this.maxRunning = atLeastOne(limits.maxRunning ?? 1000, 'maxRunning');
    this.maxRunningPerOwner = atLeastOne(limits.maxRunningPerOwner ?? 100, 'maxRunningPerOwner');
    this.maxRecords = atLeastOne(limits.maxRecords ?? 10_000, 'maxRecords');
    this.maxRecordsPerOwner = atLeastOne(limits.maxRecordsPerOwner ?? 1000, 'maxRecordsPerOwner');
    this.maxResultBytes = atLeastOne(limits.maxResultBytes ?? 256 * MIB, 'maxResultBytes');
    this.maxResultBytesPerOwner = atLeastOne(limits.maxResultBytesPerOwner ?? 64 * MIB, 'maxResultBytesPerOwner');
    this.#running = 0;
    this.#unrecorded = 0;
    this.#owners = new Map();
    this.#refusals = {
      maxRunning: new TaskRefusal('maxRunning', `the server is running ${this.maxRunning} tasks, its limit; retry later`, RETRY_RUNNING_SEC),
      maxRunningPerOwner: new TaskRefusal('maxRunningPerOwner', `this caller has ${this.maxRunningPerOwner} tasks running, its limit; retry later`, RETRY_RUNNING_SEC),
      maxRecords: new TaskRefusal('maxRecords', `the server keeps ${this.maxRecords} tasks, its limit; retry once some expire`, RETRY_RECORDS_SEC),
      maxRecordsPerOwner: new TaskRefusal('maxRecordsPerOwner', `this caller has ${this.maxRecordsPerOwner} tasks kept, its limit; retry once some expire`, RETRY_RECORDS_SEC),
      maxResultBytes: new TaskRefusal('maxResultBytes', `the task's result was not kept: with it the server's tasks would keep more than ${this.maxResultBytes} bytes of results, its limit; retry once some expire`, RETRY_RECORDS_SEC),
      maxResultBytesPerOwner: new TaskRefusal('maxResultBytesPerOwner', `the task's result was not kept: with it this caller's tasks would keep more than ${this.maxResultBytesPerOwner} bytes of results, its limit; retry once some expire`, RETRY_RECORDS_SEC),
    };
  }

  /** Task works admitted in this process and not ended. */
  get running(): number {
    return this.#running;
  }

  /** Takes a slot for one more work of `owner`; or the refusal of the bound that is full. */
  claim(owner: string): TaskRefusal | undefined {
    if (this.#running >= this.maxRunning) return this.#refusals.maxRunning;
    let counts = this.#owners.get(owner);
    if (counts !== undefined && counts.running >= this.maxRunningPerOwner) return this.#refusals.maxRunningPerOwner;
    if (counts === undefined) this.#owners.set(owner, (counts = { running: 0, unrecorded: 0 }));
    counts.running++;
    counts.unrecorded++;
    this.#running++;
    this.#unrecorded++;
    return undefined;
  }

  /** What the store is asked for a claim of `owner` (made, not yet recorded). */
  roomQuery(owner: string): TaskRoomQuery {
    return {
      owner,
      pendingTotal: this.#unrecorded,
      pendingOwner: this.#owners.get(owner)?.unrecorded ?? 0,
      maxRecords: this.maxRecords,
      maxRecordsPerOwner: this.maxRecordsPerOwner,
    };
  }

  /** The refusal of a store with no room. */
  noRoom(full: NoTaskRoom): TaskRefusal {
    return full === 'owner' ? this.#refusals.maxRecordsPerOwner : this.#refusals.maxRecords;
  }

  /** Most bytes one task's result may take: no more could be kept for its owner. */
  get resultBudget(): number {
    return Math.min(this.maxResultBytes, this.maxResultBytesPerOwner);
  }

  /** What the store is asked to keep a task's outcome of `bytes` (see {@link resultBudget}). */
  bytesQuery(bytes: number): TaskBytesQuery {
    return { bytes, maxBytes: this.maxResultBytes, maxBytesPerOwner: this.maxResultBytesPerOwner };
  }

  /** Why a task's outcome was not kept: the error it fails with instead. */
  notKept(full: NoTaskRoom): TaskRefusal {
    return full === 'owner' ? this.#refusals.maxResultBytesPerOwner : this.#refusals.maxResultBytes;
  }

  /** A claim's task is stored: its record is counted by the store from now on. */
  recorded(owner: string): void {
    const counts = this.#owners.get(owner);
    if (counts === undefined || counts.unrecorded === 0) return;
    counts.unrecorded--;
    this.#unrecorded--;
  }

  /** A claim ends: its task's work ended, or the call ended without a task. */
  release(owner: string, recorded: boolean): void {
    const counts = this.#owners.get(owner);
    if (counts === undefined) return;
    if (!recorded) this.recorded(owner);
    counts.running--;
    this.#running--;
    if (counts.running === 0) this.#owners.delete(owner);
  }
}

/** A task turned away by a bound: the error, and how HTTP answers it. Built once per bound. */
export class TaskRefusal {
  readonly limit: TaskLimit;
  readonly error: McpError;
  readonly refusal: Refusal;

  constructor(limit: TaskLimit, why: string, retryAfterSec: number) {
    this.limit = limit;
    this.error = new McpError(ErrorCode.BadRequest, `Service Unavailable: ${why}`, { reason: 'overloaded', limit, retryAfterMs: retryAfterSec * 1000 });
    this.refusal = new Refusal(503, this.error.toWire(), { 'retry-after': String(retryAfterSec) });
  }

  /** Marks the call's answer as this refusal, reports it, and returns the error to throw. */
  refuse(ctx: RequestContext): McpError {
    ctx.refuse(this.refusal);
    reportRefusal('overloaded', ctx.method, this.error.message, ctx.auth?.subject);
    return this.error;
  }
}

function atLeastOne(value: number, name: string): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`tasks.${name} must be an integer >= 1`);
  return value;
}
