/**
 * The `io.modelcontextprotocol/tasks` extension, server side (SEP-2663): tool calls that
 * answer at once with a task handle and finish in the background, polled with `tasks/get`,
 * fed input with `tasks/update`, and stopped with `tasks/cancel`.
 *
 * A call becomes a task only when the tool allows it and the request opted in through
 * `_meta` capabilities (`extensions["io.modelcontextprotocol/tasks"]`).
 */
import type { JsonRpcNotification, JsonRpcRequest, Params } from '../protocol/jsonrpc.ts';
import type { CancelListener } from '../protocol/cancellation.ts';
import { describeValue, isObject } from '../protocol/guards.ts';
import { reportError } from '../protocol/error-report.ts';
import { jsonSizeWithin } from '../protocol/json-size.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { TASKS_EXTENSION } from '../protocol/meta.ts';
import { timerHolds } from '../protocol/timer-limit.ts';
import type { ClientCapabilities, InputRequests } from '../protocol/types.ts';
import { invalidParams, McpError, missingClientCapability } from '../protocol/wire-errors.ts';
import type { Bus, BusMessage } from '../store/bus.ts';
import { clientKey } from '../security/client-key.ts';
import { isTerminal, MemoryTaskStore, type NoTaskRoom, type TaskBytesQuery, type TaskRecord, type TaskStatus, type TaskStore } from '../store/task-store.ts';
import { BaseExchange, type AuthInfo } from '../transport/exchange.ts';
import { InputRequiredSignal, type RequestContext, type TaskInputs } from './context.ts';
import { answersTo, checkInputResponses } from './input-responses.ts';
import type { Round } from './mrtr.ts';
import { TaskAdmission, type TaskLimits, type TaskRefusal } from './task-admission.ts';

/** Tasks extension settings; the bounds are described in task-admission.ts. */
export interface TaskOptions extends TaskLimits {
  /** Where tasks are kept; in this process's memory by default. */
  store?: TaskStore;
  /**
   * How long a task and its result are kept. Default 5 minutes. Longer than a timer holds (2^31
   * - 1 ms, about 24.8 days; Infinity too): a running task is not stopped for its age.
   */
  ttlMs?: number;
  /** How often clients should poll `tasks/get`. Default 1 s. */
  pollIntervalMs?: number;
}

type Result = Record<string, unknown>;
type Outcome = { result: Result } | { error: unknown };

export function declaresTasks(capabilities: ClientCapabilities): boolean {
  return capabilities.extensions?.[TASKS_EXTENSION] !== undefined;
}

export function tasksRequired(): McpError {
  return missingClientCapability({ extensions: { [TASKS_EXTENSION]: {} } });
}

/**
 * Who owns the tasks a request makes, and may see and steer them: its client, as the HTTP and
 * WebSocket bounds count it (the principal's subject, or the peer address: security/client-key.ts);
 * where the transport knows no peer (stdio, in-memory), the principal, or one owner for the
 * anonymous callers of that single peer. The tasks extension binds tasks to the requestor's
 * authorization context (Security Considerations: Auth binding); without one, the address is
 * the only requestor identity HTTP gives, so one anonymous caller neither reaches nor fills
 * the share of another.
 */
function ownerOf(ctx: RequestContext): string {
  return ctx.client ?? clientKey(ctx.auth, undefined);
}

/** A task's exchange: no response stream (notifications are dropped); cancelled by tasks/cancel. */
class TaskExchange extends BaseExchange {
  send(_message: JsonRpcNotification | JsonRpcRequest): void {}
}

interface Waiter {
  resolve(answer: unknown): void;
  reject(error: unknown): void;
}

/**
 * The part of a task that lives in this process: its work, and answers it waits for. A wait
 * for an answer ends when the task is cancelled (tasks/cancel, its TTL): the handler's
 * `await ctx.elicit(...)` throws the reason, so its work ends and gives back its slot.
 */
class RunningTask implements TaskInputs, CancelListener {
  /** Changed in place while the task runs; replaced by its final record once written. */
  record: TaskRecord;
  readonly exchange: TaskExchange;
  /** Stops the work when the task's TTL runs out. */
  expiry: NodeJS.Timeout | undefined;
  readonly #store: TaskStore;
  readonly #waiters: Map<string, Waiter>;
  readonly #usedKeys: Set<string>;

  constructor(record: TaskRecord, store: TaskStore, auth: AuthInfo | undefined) {
    this.record = record;
    this.exchange = new TaskExchange(undefined, auth, record.owner);
    this.expiry = undefined;
    this.#store = store;
    this.#waiters = new Map();
    this.#usedKeys = new Set();
    this.exchange.cancellation.addListener(this);
  }

  /** The task was cancelled (tasks/cancel, its TTL): no answer will come to what it waits for. */
  onCancel(reason: unknown): void {
    const waiters = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.reject(reason);
  }

  get taskId(): string {
    return this.record.taskId;
  }

  /** Keys are unique over a task's life: a key asked again gets a suffix. */
  requestInput(key: string, method: string, params: Params): Promise<unknown> {
    if (isTerminal(this.record.status)) return Promise.reject(new McpLocalError(LocalErrorCode.Cancelled, 'Task has ended'));
    if (this.exchange.cancelled) return Promise.reject(this.exchange.cancellation.reason);
    let unique = key;
    for (let n = 2; this.#usedKeys.has(unique); n++) unique = `${key}-${n}`;
    this.#usedKeys.add(unique);
    return new Promise((resolve, reject) => {
      this.#waiters.set(unique, { resolve, reject });
      const requests: InputRequests = { ...this.record.inputRequests, [unique]: { method, params } as InputRequests[string] };
      this.save({ status: 'input_required', inputRequests: requests }).catch((error: unknown) => {
        // The question was not recorded, so no client can see it to answer: the handler hears why.
        this.#waiters.delete(unique);
        reject(error);
      });
    });
  }

  /** Applies answers to outstanding keys; anything else is ignored (SEP-2663). */
  async answer(responses: Record<string, unknown>): Promise<void> {
    const outstanding = { ...this.record.inputRequests };
    const ready: Array<[Waiter, unknown]> = [];
    for (const [key, value] of Object.entries(responses)) {
      const waiter = this.#waiters.get(key);
      if (waiter === undefined || outstanding[key] === undefined) continue;
      this.#waiters.delete(key);
      delete outstanding[key];
      ready.push([waiter, value]);
    }
    if (ready.length === 0) return;
    const left = Object.keys(outstanding).length > 0;
    await this.save(left ? { inputRequests: outstanding } : { status: 'working', inputRequests: undefined });
    for (const [waiter, value] of ready) waiter.resolve(value);
  }

  async save(patch: Partial<TaskRecord>): Promise<void> {
    if (isTerminal(this.record.status)) return;
    Object.assign(this.record, patch, { lastUpdatedAt: new Date().toISOString() });
    if (this.record.inputRequests === undefined) delete this.record.inputRequests;
    await this.#store.put(this.record);
  }

  /**
   * Writes the task's final record; with `bytes`, those of its result or error, asked of the
   * store's bytes bounds: past one nothing is written and the bound is answered.
   */
  async finish(status: TaskStatus, fields: Partial<TaskRecord>, bytes?: TaskBytesQuery): Promise<NoTaskRoom | undefined> {
    if (isTerminal(this.record.status)) return undefined;
    const final: TaskRecord = { ...this.record, ...fields, status, lastUpdatedAt: new Date().toISOString() };
    delete final.inputRequests;
    if (bytes !== undefined && this.#store.putOutcome !== undefined) {
      const answer = this.#store.putOutcome(final, bytes);
      const full = answer instanceof Promise ? await answer : answer;
      if (full !== undefined) return full;
    } else {
      await this.#store.put(final);
    }
    // Waits still open end with the cancel that follows (onCancel); after the work's own end,
    // nothing awaits them.
    this.record = final;
    return undefined;
  }
}

/**
 * The start of a task-enabled call: its work, running, and the moment it may leave its
 * request (when the handler first waits on something other than answers it already has, or
 * calls `continueAsTask`).
 */
class CallStart {
  readonly pending: Promise<Result>;
  readonly #detached: PromiseWithResolvers<'detached'>;
  readonly #goingOn: PromiseWithResolvers<void>;

  constructor(ctx: RequestContext, work: () => Result | Promise<Result>) {
    this.#detached = Promise.withResolvers();
    this.#goingOn = Promise.withResolvers();
    ctx.allowTask(() => {
      this.#detached.resolve('detached');
      return this.#goingOn.promise;
    });
    let pending: Promise<Result>;
    try {
      pending = Promise.resolve(work());
    } catch (error) {
      pending = Promise.reject(error);
    }
    this.pending = pending;
  }

  /** How the work ended, if it did before it first waited on something else; else 'detached'. */
  async firstPhase(): Promise<Outcome | 'detached'> {
    // setImmediate runs once every already-resolved continuation has: by then a handler that
    // only awaited answers it already had is waiting on real work.
    const timer = setImmediate(this.#detached.resolve, 'detached');
    const first = await Promise.race([this.pending.then((result) => ({ result }), (error: unknown) => ({ error })), this.#detached.promise]);
    clearImmediate(timer);
    return first;
  }

  /** Lets a handler waiting in `continueAsTask` go on: as a task, or as a plain request. */
  goOn(): void {
    this.#goingOn.resolve();
  }
}

/** Where failures of a task's background work go (the server's `onError`). */
export type TaskErrorReporter = (error: unknown, context: { method: string }) => void;

/**
 * Tasks of this process, in a store that may be shared. With a bus, `tasks/update` and
 * `tasks/cancel` that reach another process are passed to the one running the task's work.
 */
export class TaskManager {
  readonly store: TaskStore;
  readonly ttlMs: number;
  readonly pollIntervalMs: number;
  /** The bounds on task works running here and records kept (task-admission.ts). */
  readonly admission: TaskAdmission;
  readonly #running: Map<string, RunningTask>;
  readonly #onError: TaskErrorReporter;
  readonly #bus: Bus | undefined;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(options: TaskOptions = {}, onError: TaskErrorReporter = reportError, bus?: Bus) {
    this.store = options.store ?? new MemoryTaskStore();
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.admission = new TaskAdmission(options);
    this.#running = new Map();
    this.#onError = onError;
    this.#bus = bus;
    this.#unsubscribe = bus?.subscribe((message) => this.#heard(message));
  }

  /** Stops hearing other processes' steering. */
  close(): void {
    this.#unsubscribe?.();
  }

  /** Steering from another process, for a task whose work runs here. */
  #heard(message: BusMessage): void {
    if (message.type !== 'taskCancel' && message.type !== 'taskInput') return;
    const task = typeof message.taskId === 'string' ? this.#running.get(message.taskId) : undefined;
    if (task === undefined) return;
    const done = message.type === 'taskCancel' ? this.#cancelHere(task) : isObject(message.responses) ? task.answer(message.responses) : undefined;
    done?.catch((error: unknown) => this.#onError(error, { method: message.type === 'taskCancel' ? 'tasks/cancel' : 'tasks/update' }));
  }

  /** Tasks whose work is running in this process. */
  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Runs a task-enabled tool call. Input the handler asks for before it first waits on
   * anything else is gathered with MRTR rounds; then (or when it calls `continueAsTask`) the
   * call becomes a task and the client gets its handle, if the task bounds have room. If not,
   * a call that may run either way stays a plain request, and one that must be a task is
   * refused before its work starts (task-admission.ts).
   */
  async run(ctx: RequestContext, round: Round, required: boolean, work: () => Result | Promise<Result>): Promise<Result> {
    round.open();
    const owner = ownerOf(ctx);
    if (required) {
      let refused: TaskRefusal | undefined;
      try {
        refused = await this.#admit(owner);
      } catch (error) {
        this.admission.release(owner, false);
        throw error;
      }
      if (refused !== undefined) throw refused.refuse(ctx);
    }
    const call = new CallStart(ctx, work);
    const first = await call.firstPhase();
    if (first === 'detached') return this.#detached(ctx, round, call, owner, required);
    if (!required) return 'error' in first ? round.failed(first.error) : round.settled(first.result);
    // Questions asked at once are MRTR rounds, answered before any task exists (SEP-2663).
    if (ctx.pendingInputs !== undefined && ('result' in first || first.error instanceof InputRequiredSignal)) {
      this.admission.release(owner, false);
      return round.inputRequired(ctx.pendingInputs);
    }
    // A task-only tool that finished at once still answers with a (finished) task.
    let task: RunningTask;
    try {
      task = await this.#create(ctx, owner);
    } catch (error) {
      this.admission.release(owner, false);
      throw error;
    }
    await this.#settle(task, call.pending);
    return handle(task.record);
  }

  /** The call's work waits on something: it goes on as a task, if one more may be taken on. */
  async #detached(ctx: RequestContext, round: Round, call: CallStart, owner: string, required: boolean): Promise<Result> {
    let task: RunningTask;
    try {
      if (!required && (await this.#admit(owner)) !== undefined) {
        // No room for one more task: the call stays a plain request, in its request's slot.
        call.goOn();
        return call.pending.then((result) => round.settled(result), (error: unknown) => round.failed(error));
      }
      task = await this.#create(ctx, owner);
    } catch (error) {
      // The store failed (the client gets its error) and the work runs on without a task: it
      // holds its claim until it ends, so the bound still counts it.
      const release = () => this.admission.release(owner, false);
      void call.pending.then(release, release);
      call.goOn();
      throw error;
    }
    ctx.attachTask(task, task.exchange);
    call.goOn();
    // #settle never rejects: a store that fails to record the outcome is reported inside.
    void this.#settle(task, call.pending);
    return handle(task.record);
  }

  /**
   * Claims a slot for one more task work of `owner` and asks the store for room; or returns
   * the refusal of the bound that is full (holding nothing then). A store that fails leaves
   * the claim to the caller.
   */
  async #admit(owner: string): Promise<TaskRefusal | undefined> {
    const refused = this.admission.claim(owner);
    if (refused !== undefined) return refused;
    const answer = this.store.room?.(this.admission.roomQuery(owner));
    const full = answer instanceof Promise ? await answer : answer;
    if (full === undefined) return undefined;
    this.admission.release(owner, false);
    return this.admission.noRoom(full);
  }

  async #create(ctx: RequestContext, owner: string): Promise<RunningTask> {
    const now = new Date().toISOString();
    const record: TaskRecord = {
      // High entropy, as task ids are bearer handles (SEP-2663).
      taskId: globalThis.crypto.randomUUID(),
      status: 'working',
      createdAt: now,
      lastUpdatedAt: now,
      ttlMs: this.ttlMs,
      pollIntervalMs: this.pollIntervalMs,
      owner,
    };
    const task = new RunningTask(record, this.store, ctx.auth);
    // Durable before the handle goes out: an immediate tasks/get must find it (SEP-2663).
    await this.store.put(record);
    this.admission.recorded(owner);
    this.#running.set(record.taskId, task);
    // A task still running when its TTL lapses is stopped: nobody can see its result anymore.
    if (timerHolds(this.ttlMs)) {
      task.expiry = setTimeout(() => task.exchange.cancel(new McpLocalError(LocalErrorCode.Timeout, 'Task expired')), this.ttlMs);
      task.expiry.unref();
    }
    return task;
  }

  /** Records how the task's work ended. Never rejects. */
  async #settle(task: RunningTask, pending: Promise<Result>): Promise<void> {
    let status: TaskStatus;
    let fields: Partial<TaskRecord>;
    try {
      const result = await pending;
      status = 'completed';
      fields = { result: { ...result, resultType: 'complete' } };
    } catch (error) {
      if (task.exchange.cancelled) {
        status = 'cancelled';
        fields = { statusMessage: (task.exchange.signal.reason as Error | undefined)?.message ?? 'Cancelled' };
      } else {
        if (!(error instanceof McpError)) this.#onError(error, { method: 'tools/call' });
        const wire = error instanceof McpError ? error.toWire() : { code: -32603, message: 'Internal error' };
        status = 'failed';
        fields = { error: wire, statusMessage: wire.message };
      }
    }
    try {
      await this.#finish(task, status, fields);
    } catch (error) {
      // The store could not record the outcome; tasks/get reports the last state it holds.
      this.#onError(error, { method: 'tools/call' });
    } finally {
      clearTimeout(task.expiry);
      this.#running.delete(task.taskId);
      this.admission.release(task.record.owner, true);
    }
  }

  /**
   * Writes the task's final record, its result or error counted against the bytes bounds; one
   * that passes them is not kept, and the task fails with the error naming the bound.
   */
  async #finish(task: RunningTask, status: TaskStatus, fields: Partial<TaskRecord>): Promise<void> {
    const outcome = fields.result ?? fields.error;
    if (outcome === undefined) {
      await task.finish(status, fields);
      return;
    }
    const budget = this.admission.resultBudget;
    const bytes = jsonSizeWithin(outcome, budget);
    const full = await task.finish(status, fields, this.admission.bytesQuery(bytes ?? budget + 1));
    if (full === undefined) return;
    const error = this.admission.notKept(full).error;
    // A fixed error of the server's own, not counted: the task always ends.
    await task.finish('failed', { error: error.toWire(), statusMessage: error.message });
  }

  // ---- tasks/get, tasks/update, tasks/cancel ------------------------------------------------

  /** The task behind `params.taskId` for this caller; the capability gate comes first. */
  async #find(params: Params, ctx: RequestContext): Promise<TaskRecord> {
    if (!declaresTasks(ctx.clientCapabilities)) throw tasksRequired();
    const { taskId } = params;
    if (typeof taskId !== 'string') throw invalidParams('Invalid params: "taskId" must be a string');
    const record = this.#running.get(taskId)?.record ?? (await this.store.get(taskId));
    // Another owner's task is reported as missing rather than forbidden, to leak nothing.
    if (record === undefined || record.owner !== ownerOf(ctx)) throw invalidParams(`Failed to retrieve task: Task not found: ${describeValue(taskId)}`);
    return record;
  }

  async get(params: Params, ctx: RequestContext): Promise<Result> {
    return detailed(await this.#find(params, ctx));
  }

  async update(params: Params, ctx: RequestContext): Promise<Result> {
    const record = await this.#find(params, ctx);
    // Answers to questions the task has outstanding, each checked against its question; the
    // rest are ignored (tasks extension: a server SHOULD ignore them).
    const responses = answersTo(checkInputResponses(params.inputResponses), record.status === 'input_required' ? record.inputRequests : undefined);
    const task = this.#running.get(record.taskId);
    if (task !== undefined) await task.answer(responses);
    else if (record.status === 'input_required') this.#bus?.publish({ type: 'taskInput', taskId: record.taskId, responses });
    return {};
  }

  async cancel(params: Params, ctx: RequestContext): Promise<Result> {
    const record = await this.#find(params, ctx);
    if (isTerminal(record.status)) return {};
    const task = this.#running.get(record.taskId);
    if (task !== undefined) {
      await this.#cancelHere(task);
    } else if (this.#bus !== undefined) {
      // Its work runs in another process: the shared store records the end (a terminal status
      // is never overwritten), and the bus tells that process to stop the work.
      const now = new Date().toISOString();
      await this.store.put({ ...record, status: 'cancelled', statusMessage: CANCELLED_BY_CLIENT, lastUpdatedAt: now, inputRequests: undefined });
      this.#bus.publish({ type: 'taskCancel', taskId: record.taskId });
    }
    return {};
  }

  async #cancelHere(task: RunningTask): Promise<void> {
    if (isTerminal(task.record.status)) return;
    await task.finish('cancelled', { statusMessage: CANCELLED_BY_CLIENT });
    task.exchange.cancel(new McpLocalError(LocalErrorCode.Cancelled, 'Task cancelled'));
  }
}

const CANCELLED_BY_CLIENT = 'Cancelled by the client';

/** CreateTaskResult: the flat task handle, without result, error or input requests. */
function handle(record: TaskRecord): Result {
  const out: Result = {
    resultType: 'task',
    taskId: record.taskId,
    status: record.status,
    createdAt: record.createdAt,
    lastUpdatedAt: record.lastUpdatedAt,
    ttlMs: record.ttlMs,
  };
  if (record.pollIntervalMs !== undefined) out.pollIntervalMs = record.pollIntervalMs;
  if (record.statusMessage !== undefined) out.statusMessage = record.statusMessage;
  return out;
}

/** DetailedTask for tasks/get: the handle plus what its status carries. */
function detailed(record: TaskRecord): Result {
  const out = handle(record);
  out.resultType = 'complete';
  if (record.status === 'input_required' && record.inputRequests !== undefined) out.inputRequests = record.inputRequests;
  if (record.status === 'completed' && record.result !== undefined) out.result = record.result;
  if (record.status === 'failed' && record.error !== undefined) out.error = record.error;
  return out;
}
