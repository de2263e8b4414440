/**
 * The era bridge for input (elicitation, sampling, roots): an upstream's question, in whatever
 * era the upstream speaks, reaches the caller in whatever era the caller speaks, and the
 * answer goes back.
 *
 * On the upstream side the client gives the question to the handlers of the request it
 * belongs to (`onElicit`, `onSample`, `onListRoots`), whether it came as a server-to-client
 * request (2025) or in an InputRequiredResult (2026-07-28). On the caller's side:
 *
 * - A legacy caller, or a call running as a task: `ctx.elicit()` asks the caller and waits
 *   (a server-to-client request, or the task's `input_required` status).
 * - A modern caller without a task: there are no server-to-client requests. The call ends with
 *   an InputRequiredResult carrying the question, and the caller retries with the answer. The
 *   upstream call, meanwhile, is still waiting for that answer, so it is kept in a bounded table
 *   (the {@link InputRelay}) under an id that travels in the sealed `requestState`; the retry
 *   finds it, hands over the answer, and waits for what the upstream does next: another
 *   question, or the result. A call whose caller never comes back is cancelled after
 *   `inputTimeoutMs`.
 */
import { randomUUID } from 'node:crypto';
import { timerHolds } from '../protocol/timer-limit.ts';
import { MAX_INPUT_REQUESTS } from '../protocol/types.ts';
import type { RequestOptions } from '../client/requests.ts';
import { Cancellation, type CancelListener } from '../protocol/cancellation.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../protocol/guards.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { JsonRpcNotification } from '../protocol/jsonrpc.ts';
import { Method, Notification } from '../protocol/methods.ts';
import { isLoggingLevel, type CreateMessageRequestParams, type ElicitRequestParams, type InputRequests } from '../protocol/types.ts';
import { ErrorCode, McpError, invalidParams } from '../protocol/wire-errors.ts';
import type { RequestContext } from '../server/context.ts';
import { classify } from './failures.ts';

type Result = Record<string, unknown>;

/** The parts of request options that answer an upstream's questions and report progress. */
export type ForwardOptions = Pick<RequestOptions, 'onElicit' | 'onSample' | 'onListRoots' | 'onProgress' | 'onNotification' | 'signal' | 'cancellation' | 'extensions'>;

function progressTo(ctx: RequestContext): RequestOptions['onProgress'] {
  return ({ progress, total, message }) => ctx.progress(progress, total, message);
}

/**
 * Passes a log message the upstream sent as part of a call (on the call's own response
 * stream) to that call's caller, at the caller's level; other notifications of a call are the
 * upstream's business. Data nested too deep to be written out again is dropped: it would
 * throw from the caller's stream back up through the upstream's, out of the gateway's process.
 */
export function relayLog(ctx: RequestContext, notification: JsonRpcNotification): void {
  if (notification.method !== Notification.Message) return;
  const { level, data, logger } = notification.params ?? {};
  if (isLoggingLevel(level) && !nestedDeeperThan(data, MAX_JSON_DEPTH)) ctx.log(level, data, typeof logger === 'string' ? logger : undefined);
}

/**
 * Questions one upstream call may have open at once: as many as one InputRequiredResult may
 * carry (a client refuses more). An upstream that asks more is refused the rest, instead of
 * having the gateway hold them all and pass them all on to its caller.
 */
export const MAX_OPEN_QUESTIONS = MAX_INPUT_REQUESTS;

function tooManyQuestions(): McpError {
  return new McpError(ErrorCode.InvalidRequest, `More than ${MAX_OPEN_QUESTIONS} questions open at once in one call: the gateway refuses the rest`);
}

/**
 * What asking the caller failed with, as the call's failure: a failure the upstream's would be
 * taken for (the caller's answer timed out, its connection closed) is the caller's, named so,
 * and not counted against the upstream (a 2026-07-28 upstream's call fails with it: before, as
 * "did not answer in time (slow)", and its breaker counted it).
 */
function callersFailure(error: unknown): unknown {
  if (classify('', error) === undefined) return error;
  return new McpError(ErrorCode.InternalError, `The gateway's caller did not answer the upstream's question: ${(error as Error).message}`);
}

/**
 * Options that pass the upstream's questions and progress to a caller that can be asked
 * directly: a legacy caller, or a call running as a task.
 */
export function askDirectly(ctx: RequestContext): ForwardOptions {
  let open = 0;
  const ask = async <T>(question: () => Promise<T>): Promise<T> => {
    if (open >= MAX_OPEN_QUESTIONS) throw tooManyQuestions();
    open++;
    try {
      return await question();
    } catch (error) {
      throw callersFailure(error);
    } finally {
      open--;
    }
  };
  return {
    cancellation: ctx.cancellation,
    onProgress: progressTo(ctx),
    onNotification: (notification) => relayLog(ctx, notification),
    // The schema is the upstream's: its patterns are the upstream's to run (see InputOptions).
    onElicit: (params) => ask(() => ctx.elicit(params, { checkPatterns: false })),
    onSample: (params) => ask(() => ctx.sample(params)),
    onListRoots: () => ask(() => ctx.listRoots()),
  };
}

const CAPABILITY: Record<string, 'elicitation' | 'sampling' | 'roots'> = {
  [Method.ElicitationCreate]: 'elicitation',
  [Method.SamplingCreateMessage]: 'sampling',
  [Method.RootsList]: 'roots',
};

const DONE = Promise.resolve('done' as const);

/** No question waits to go out (shared: most calls never ask one). */
const NONE: string[] = [];

interface Question {
  method: string;
  params: Record<string, unknown>;
  resolve(answer: unknown): void;
  reject(error: Error): void;
}

/**
 * An upstream call a modern caller's rounds share. Listens to the cancellation of the round
 * being served: that caller giving up gives up on the call.
 */
class PendingCall implements CancelListener {
  readonly #relay: InputRelay;
  #id: string | undefined;
  /** The upstream request's. */
  readonly #cancellation: Cancellation;
  /** Questions asked and not yet answered (made with the first: most calls ask none). */
  #questions: Map<string, Question> | undefined;
  /** Keys asked since the last InputRequiredResult went out. */
  #unsent: string[];
  #count: number;
  /** The upstream call ended: with `#value` as its result, or its error when `#failed`. */
  #done: boolean;
  #failed: boolean;
  #value: unknown;
  /** A round waiting for the upstream (see {@link next}). */
  #waiter: ((next: 'done' | 'input') => void) | undefined;
  #ctx: RequestContext | undefined;
  expiry: NodeJS.Timeout | undefined;

  constructor(relay: InputRelay) {
    this.#relay = relay;
    this.#id = undefined;
    this.#cancellation = new Cancellation();
    this.#questions = undefined;
    this.#unsent = NONE;
    this.#count = 0;
    this.#done = false;
    this.#failed = false;
    this.#value = undefined;
    this.#waiter = undefined;
    this.#ctx = undefined;
    this.expiry = undefined;
  }

  /** Made when first needed: most calls never wait for an answer, and never need one. */
  get id(): string {
    return (this.#id ??= randomUUID());
  }

  /** Whether it was ever given an id (so it may be in the table). */
  get named(): boolean {
    return this.#id !== undefined;
  }

  start(forward: (options: ForwardOptions) => Promise<Result>): void {
    const options: ForwardOptions = {
      cancellation: this.#cancellation,
      onProgress: (progress) => this.#ctx?.progress(progress.progress, progress.total, progress.message),
      // Between rounds no caller is there to take a log message: it is dropped.
      onNotification: (notification) => {
        if (this.#ctx !== undefined) relayLog(this.#ctx, notification);
      },
      onElicit: (params) => this.#ask(Method.ElicitationCreate, params as unknown as Record<string, unknown>) as ReturnType<NonNullable<ForwardOptions['onElicit']>>,
      onSample: (params: CreateMessageRequestParams) => this.#ask(Method.SamplingCreateMessage, params as unknown as Record<string, unknown>) as ReturnType<NonNullable<ForwardOptions['onSample']>>,
      onListRoots: () => this.#ask(Method.RootsList, {}) as ReturnType<NonNullable<ForwardOptions['onListRoots']>>,
    };
    let pending: Promise<Result>;
    try {
      pending = forward(options);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => this.#settle(false, result),
      (error: unknown) => this.#settle(true, error),
    );
  }

  /** The round now serving this call: progress goes to it, and its questions are checked against its capabilities. */
  attach(ctx: RequestContext | undefined): void {
    this.#ctx = ctx;
  }

  /** The caller of the round being served gave up (CancelListener). */
  onCancel(reason: unknown): void {
    this.#relay.drop(this, reason);
  }

  cancel(reason: unknown): void {
    this.#cancellation.cancel(reason);
    const questions = this.#questions;
    if (questions === undefined) return;
    for (const question of questions.values()) question.reject(new McpLocalError(LocalErrorCode.Cancelled, 'The call was cancelled'));
    questions.clear();
  }

  #ask(method: string, params: Record<string, unknown>): Promise<unknown> {
    const refused = this.#unsupported(method);
    if (refused !== undefined) return Promise.reject(refused);
    if (this.#questions !== undefined && this.#questions.size >= MAX_OPEN_QUESTIONS) return Promise.reject(tooManyQuestions());
    return new Promise((resolve, reject) => {
      const key = `${CAPABILITY[method]}-${++this.#count}`;
      (this.#questions ??= new Map()).set(key, { method, params, resolve, reject });
      this.#toSend(key);
      this.#wake();
    });
  }

  /** The error for a question the caller of the round being served cannot be asked. */
  #unsupported(method: string): McpError | undefined {
    const capability = CAPABILITY[method];
    const ctx = this.#ctx;
    if (ctx === undefined || ctx.clientCapabilities[capability] !== undefined) return undefined;
    return new McpError(ErrorCode.MethodNotFound, `The gateway's caller does not support ${capability}`);
  }

  /** Puts a question in the next InputRequiredResult. */
  #toSend(key: string): void {
    if (this.#unsent === NONE) this.#unsent = [key];
    else if (!this.#unsent.includes(key)) this.#unsent.push(key);
  }

  #settle(failed: boolean, value: unknown): void {
    this.#done = true;
    this.#failed = failed;
    this.#value = value;
    this.#wake();
  }

  /**
   * Hands the caller's answers to the questions they answer. A question the retry leaves
   * unanswered is asked again in the next InputRequiredResult, as 2026-07-28 basic/patterns/mrtr
   * says a server should ask for missing information; kept open without being asked, it held the
   * upstream call, and the round waiting for it, until the caller gave up. One the caller of
   * this round cannot be asked fails upstream.
   */
  answer(responses: Record<string, unknown>): void {
    const questions = this.#questions;
    if (questions === undefined) return;
    for (const [key, question] of questions) {
      const answer = responses[key];
      const refused = answer === undefined ? this.#unsupported(question.method) : undefined;
      if (answer === undefined && refused === undefined) {
        this.#toSend(key);
        continue;
      }
      questions.delete(key);
      if (refused === undefined) question.resolve(answer);
      else question.reject(refused);
    }
  }

  /**
   * Waits until the upstream finished or asked something new; questions asked together go out
   * together. The common case, a call that asks nothing, is one promise settled by its result.
   */
  next(): Promise<'done' | 'input'> {
    if (this.#done) return DONE;
    if (this.#unsent.length > 0) return this.#batch();
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** Questions asked at once (a modern upstream's several inputRequests) arrive within a turn. */
  #batch(): Promise<'done' | 'input'> {
    return new Promise((resolve) => setImmediate(() => resolve(this.#done ? 'done' : 'input')));
  }

  /** Wakes a round waiting in {@link next}. */
  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#done) waiter('done');
    else void this.#batch().then(waiter);
  }

  outcome(): Result {
    if (this.#failed) throw this.#value;
    return this.#value as Result;
  }

  /** The questions not yet sent, as `inputRequests`. */
  takeQuestions(): InputRequests {
    const requests: InputRequests = {};
    for (const key of this.#unsent) {
      const question = this.#questions?.get(key);
      if (question !== undefined) requests[key] = { method: question.method, params: question.params } as InputRequests[string];
    }
    this.#unsent = NONE;
    return requests;
  }
}

export interface InputRelayOptions {
  /** How long an upstream call waits for its caller's retry. */
  timeoutMs: number;
  /** Calls waiting at once; a call that would exceed it is cancelled. */
  maxPending: number;
}

/** Upstream calls of modern callers that wait for an answer, by id. */
export class InputRelay {
  readonly #calls: Map<string, PendingCall>;
  readonly #timeoutMs: number;
  readonly #maxPending: number;

  constructor(options: InputRelayOptions) {
    this.#calls = new Map();
    this.#timeoutMs = options.timeoutMs;
    this.#maxPending = options.maxPending;
  }

  /** Calls waiting for an answer now. */
  get size(): number {
    return this.#calls.size;
  }

  /**
   * Serves one round of a modern caller's call: starts the upstream call with `forward` (first
   * round) or finds it by `ctx.requestState` and hands over the answers (later rounds), then
   * answers with the result, or with an InputRequiredResult for the upstream's new questions.
   */
  async run(ctx: RequestContext, forward: (options: ForwardOptions) => Promise<Result>): Promise<Result> {
    const call = this.#callFor(ctx);
    call.attach(ctx);
    if (ctx.requestState === undefined) call.start(forward);
    else call.answer(ctx.inputResponses ?? {});
    // The caller giving up on this round gives up on the call (see PendingCall.onCancel).
    const cancellation = ctx.cancellation;
    cancellation.addListener(call);
    try {
      const next = await call.next();
      if (next === 'done') {
        this.#forget(call);
        return call.outcome();
      }
      this.#keep(call);
      return { resultType: 'input_required', inputRequests: call.takeQuestions(), requestState: call.id };
    } finally {
      cancellation.removeListener(call);
      call.attach(undefined);
    }
  }

  #callFor(ctx: RequestContext): PendingCall {
    const id = ctx.requestState;
    if (id === undefined) return new PendingCall(this);
    const call = this.#calls.get(id);
    if (call === undefined) {
      throw invalidParams('Invalid requestState: the upstream call waiting for this answer has ended (it timed out or was cancelled); call again without requestState');
    }
    clearTimeout(call.expiry);
    return call;
  }

  #keep(call: PendingCall): void {
    if (!call.named || !this.#calls.has(call.id)) {
      if (this.#calls.size >= this.#maxPending) {
        call.cancel(new McpLocalError(LocalErrorCode.Overloaded, 'Too many calls wait for input'));
        throw new McpLocalError(LocalErrorCode.Overloaded, `${this.#maxPending} calls already wait for their callers' answers`);
      }
      this.#calls.set(call.id, call);
    }
    // Past what a timer holds (Infinity too) there is no inputTimeoutMs: the call waits.
    if (!timerHolds(this.#timeoutMs)) return;
    call.expiry = setTimeout(() => this.drop(call, new McpLocalError(LocalErrorCode.Timeout, 'No answer from the caller in time')), this.#timeoutMs);
    call.expiry.unref();
  }

  /** @internal Ends a call: out of the table, and its upstream request cancelled. */
  drop(call: PendingCall, reason: unknown): void {
    this.#forget(call);
    call.cancel(reason);
  }

  #forget(call: PendingCall): void {
    clearTimeout(call.expiry);
    if (call.named) this.#calls.delete(call.id);
  }

  /** Cancels every waiting call (the manager is closing). */
  close(): void {
    for (const call of [...this.#calls.values()]) this.drop(call, new McpLocalError(LocalErrorCode.Cancelled, 'The gateway is closing'));
  }
}
