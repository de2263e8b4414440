/**
 * The per-request context a handler receives: cancellation, progress, logging, and input
 * from the client (elicitation, sampling, roots) in either era.
 *
 * Input from the client works the same way for handler code in both eras:
 * `await ctx.elicit(...)` resolves with the user's answer. In the legacy era the server sends
 * a request to the client and waits. In the modern era there are no server-to-client
 * requests (spec 2026-07-28, basic/patterns/mrtr): the request ends with an
 * `InputRequiredResult`, and when the client retries with `inputResponses` the handler runs
 * again from the top, this time finding the answers. Answers from earlier rounds travel in
 * the sealed `requestState`, so a handler may ask several questions in sequence.
 */
import { FollowingCancellation, SignalCancellation, type Cancellation } from '../protocol/cancellation.ts';
import { elicitationAnswerProblem } from '../protocol/elicitation-content.ts';
import { isResultOf } from '../protocol/input-answer.ts';
import { quoteValue } from '../protocol/guards.ts';
import type { JsonRpcNotification, JsonRpcRequest, Params, RequestId } from '../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { MetaKey } from '../protocol/meta.ts';
import { Method, Notification } from '../protocol/methods.ts';
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  Implementation,
  InputRequests,
  InputResponses,
  ListRootsResult,
  LoggingLevel,
  ProgressToken,
} from '../protocol/types.ts';
import { isLoggingLevel, levelPasses } from '../protocol/types.ts';
import { invalidParams, missingClientCapability } from '../protocol/wire-errors.ts';
import type { Refusal } from '../security/edge.ts';
import type { AuthInfo, Exchange } from '../transport/exchange.ts';
import type { LegacySession } from '../store/legacy-session.ts';
import { droppedNotice, HeldMessages } from './held-messages.ts';
import { wrongAnswer } from './input-responses.ts';

/**
 * `answer` when it is a result of `method` and, for an elicitation, matches its
 * `requestedSchema`; else throws -32602 (see {@link RequestContext.elicit}).
 */
function checkedAnswer(key: string, method: string, params: Params, answer: unknown, options: InputOptions | undefined): unknown {
  // A legacy client's response reaches here unchecked: `{"action": "maybe"}` was handed over as an answer.
  if (!isResultOf(method, answer)) throw invalidParams(`The answer to ${quoteValue(key)} (${method}) is not a valid result`);
  if (method !== Method.ElicitationCreate) return answer;
  const problem = elicitationAnswerProblem(params, answer, { patterns: options?.checkPatterns });
  if (problem !== undefined) throw invalidParams(`The answer to elicitation ${quoteValue(key)} does not match its requestedSchema: ${problem}`);
  return answer;
}

/** Thrown (as a rejection) by input requests that have no answer yet in the modern era. */
export class InputRequiredSignal {
  readonly key: string;
  constructor(key: string) {
    this.key = key;
  }
}

export interface InputOptions {
  /**
   * The key of this input request in `inputRequests`; defaults to a counter in call order,
   * which is stable across rounds as long as the handler asks in the same order.
   */
  key?: string;
  /** Legacy era: how long to wait for the client's answer. */
  timeoutMs?: number;
  /**
   * Elicitation: whether the `pattern`s of `requestedSchema` are run when the answer is checked
   * against it. True by default; false for a schema from elsewhere (a gateway passing an
   * upstream's question on), whose regular expressions could take exponential time on a
   * crafted answer: their author checks them.
   */
  checkPatterns?: boolean;
}

/** A running task as a context sees it: where input requests go once the call is a task. */
export interface TaskInputs {
  readonly taskId: string;
  requestInput(key: string, method: string, params: Params): Promise<unknown>;
}

/** The parts of the server a context needs. */
export interface ContextHost {
  readonly clientRequestTimeoutMs: number;
}

/**
 * @example
 * server.tool('deploy', { inputSchema: { type: 'object' } }, async (_args, ctx) => {
 *   const answer = await ctx.elicit({ message: 'Deploy to production?', requestedSchema: {
 *     type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] } });
 *   ctx.progress(1, 2, 'deploying');
 *   return answer.action === 'accept' ? 'deployed' : 'cancelled';
 * });
 */
export class RequestContext {
  readonly id: RequestId;
  readonly method: string;
  readonly params: Params;
  /** The request's `_meta`, if any. */
  readonly meta: Record<string, unknown> | undefined;
  readonly protocolVersion: string;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo: Implementation | undefined;
  #exchange: Exchange;
  readonly #host: ContextHost;
  /** The handler's cancellation: stable even when the call moves from its request to a task. */
  #cancellation: FollowingCancellation | undefined;
  /** What {@link cancellation} follows of an exchange without a Cancellation: its signal, until the request is answered. */
  #signalLink: SignalCancellation | undefined;
  #task: TaskInputs | undefined;
  #continueAsTask: (() => Promise<void>) | undefined;
  #inputs: InputResponses | undefined;
  #requestState: string | undefined;
  #pendingInputs: InputRequests | undefined;
  #inputCount: number;
  /** What was not sent while the client was not keeping up (see {@link progress}, {@link log}). */
  #held: HeldMessages | undefined;

  constructor(
    host: ContextHost,
    exchange: Exchange,
    id: RequestId,
    method: string,
    params: Params,
    protocolVersion: string,
    clientCapabilities: ClientCapabilities,
    clientInfo: Implementation | undefined,
  ) {
    this.#host = host;
    this.#exchange = exchange;
    this.id = id;
    this.method = method;
    this.params = params;
    this.meta = params._meta;
    this.protocolVersion = protocolVersion;
    this.clientCapabilities = clientCapabilities;
    this.clientInfo = clientInfo;
    this.#cancellation = undefined;
    this.#signalLink = undefined;
    this.#task = undefined;
    this.#continueAsTask = undefined;
    this.#inputs = undefined;
    this.#requestState = undefined;
    this.#pendingInputs = undefined;
    this.#inputCount = 0;
    this.#held = undefined;
  }

  /** Aborted when the client cancels the request (or its task) or disconnects. */
  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  /**
   * The same as {@link signal}, without an AbortSignal: cheaper for code that passes the
   * call's cancellation on (e.g. a gateway to its upstream).
   *
   * @example
   * ctx.cancellation.addListener({ onCancel: (reason) => upstreamCall.cancel(reason) });
   */
  get cancellation(): Cancellation {
    return (this.#cancellation ??= new FollowingCancellation(this.#cancellationOf(this.#exchange)));
  }

  /**
   * An exchange's cancellation. One without (an embedder's own exchange) is followed through its
   * signal, with a listener taken off when the request is answered ({@link beforeAnswer}): the
   * signal may outlive the request (one per connection), and would otherwise gather a listener
   * for every request it saw.
   */
  #cancellationOf(exchange: Exchange): Cancellation {
    if (exchange.cancellation !== undefined) return exchange.cancellation;
    return (this.#signalLink = new SignalCancellation(exchange.signal));
  }

  /** The legacy session; undefined for modern (stateless) requests. */
  get session(): LegacySession | undefined {
    return this.#exchange.session;
  }

  get isModern(): boolean {
    return this.#exchange.session === undefined;
  }

  get auth(): AuthInfo | undefined {
    return this.#exchange.auth;
  }

  /**
   * Whose quota this request counts against, where its transport knows the peer: the
   * principal's subject, or the peer address (security/client-key.ts); undefined elsewhere.
   *
   * @example
   * ctx.client // '203.0.113.7', or '2001:db8:1:2::/64', or '\0alice' for a principal
   */
  get client(): string | undefined {
    return this.#exchange.client;
  }

  get progressToken(): ProgressToken | undefined {
    return this.meta?.[MetaKey.ProgressToken] as ProgressToken | undefined;
  }

  /**
   * Sends `notifications/progress` when the client asked for progress; a no-op otherwise.
   *
   * While the client is not reading what was sent to it, progress is held back rather than
   * queued: each notification supersedes the one before (spec basic/utilities/progress: the
   * value only increases), so only the latest is kept, and sent once the client catches up.
   * A tool (or a gateway's upstream) reporting progress in a tight loop to a client that stopped
   * reading would otherwise have the server hold every one of them.
   */
  progress(progress: number, total?: number, message?: string): void {
    const progressToken = this.progressToken;
    if (progressToken === undefined) return;
    const params: Params = { progressToken, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    const notification: JsonRpcNotification = { jsonrpc: '2.0', method: Notification.Progress, params };
    const held = this.#holder();
    if (held === undefined) this.#send(notification);
    else held.progress = notification;
  }

  /**
   * Sends a `notifications/message` log entry for this request, subject to the client's level:
   * `logging/setLevel` in the legacy era, `_meta` `io.modelcontextprotocol/logLevel` in the
   * modern one (where nothing is sent unless the request asked).
   *
   * While the client is not reading what was sent to it, log messages are held back, in order,
   * up to 64 KiB of them; the rest are dropped and counted (the spec asks servers to rate-limit
   * logs: server/utilities/logging). Once the client catches up, or before the request's answer
   * if that comes first, the held ones are sent, then one `warning` (logger `mcp-core`, data
   * `{ message, dropped, droppedNotifications }`) saying how many were dropped. A tool (or a
   * gateway's upstream) logging in a tight loop to a client that stopped reading would
   * otherwise have the server hold every message.
   */
  log(level: LoggingLevel, data: unknown, logger?: string): void {
    if (!this.#logs(level)) return;
    const params: Params = logger === undefined ? { level, data } : { level, logger, data };
    const notification: JsonRpcNotification = { jsonrpc: '2.0', method: Notification.Message, params };
    const held = this.#holder();
    if (held === undefined) this.#send(notification);
    else held.log(notification);
  }

  #logs(level: LoggingLevel): boolean {
    if (this.isModern) {
      const threshold = this.meta?.[MetaKey.LogLevel] as LoggingLevel | undefined;
      return threshold !== undefined && levelPasses(level, threshold);
    }
    const threshold = this.session!.logLevel;
    return threshold === undefined || levelPasses(level, threshold);
  }

  /**
   * Where messages are held while the client is not reading (made with the first, and sent
   * once the client catches up); undefined while it reads, when they go out at once.
   */
  #holder(): HeldMessages | undefined {
    const exchange = this.#exchange;
    if (exchange.backedUp !== true || exchange.onCaughtUp === undefined) return undefined;
    let held = this.#held;
    if (held === undefined) {
      const made = (held = this.#held = new HeldMessages());
      // Unless they went out before the answer already (see beforeAnswer).
      exchange.onCaughtUp(() => {
        if (this.#held === made) this.#release();
      });
    }
    return held;
  }

  /** Sends a message at once: after what is held, which is older. */
  #send(message: JsonRpcNotification | JsonRpcRequest): void {
    if (this.#held !== undefined) this.#release();
    this.#exchange.send(message);
  }

  /** Sends what was held: the messages in order, what was dropped, then the latest progress. */
  #release(): void {
    const held = this.#held!;
    this.#held = undefined;
    const exchange = this.#exchange;
    for (const message of held.messages) exchange.send(message);
    const dropped = held.droppedText();
    const level = dropped === undefined ? undefined : this.#noticeLevel();
    if (dropped !== undefined && level !== undefined) exchange.send(droppedNotice(level, dropped, held.droppedLogs, held.droppedNotifications));
    if (held.progress !== undefined) exchange.send(held.progress);
  }

  /**
   * The level of the notice of dropped messages: `warning`, or the client's own level when it
   * asked only for more severe ones (which may have been dropped); none when it takes no logs.
   */
  #noticeLevel(): LoggingLevel | undefined {
    if (this.#logs('warning')) return 'warning';
    const threshold = this.isModern ? this.meta?.[MetaKey.LogLevel] : this.session!.logLevel;
    return isLoggingLevel(threshold) ? threshold : undefined;
  }

  /**
   * @internal Called before the request's answer goes out: what was held goes first, since
   * nothing of a request may follow its answer (it would be dropped) and it is bounded. A
   * signal followed for the request lets go (a task's handle answers a request the call has
   * left: the task's cancellation is followed then).
   */
  beforeAnswer(): void {
    if (this.#held !== undefined) this.#release();
    if (this.#signalLink !== undefined && this.#task === undefined) {
      this.#signalLink.release();
      this.#signalLink = undefined;
    }
  }

  /**
   * Closes this request's HTTP connection without ending its response stream: the client
   * reconnects with Last-Event-ID and receives the rest, so a long call holds no connection
   * (legacy Streamable HTTP sessions, SEP-1699). Returns false where that does not apply, or
   * while the client holds no event id to come back with (before 2025-11-25 a stream is not
   * primed: it has one once an event went out).
   */
  closeStream(): boolean {
    return this.#exchange.closeStream?.() ?? false;
  }

  /**
   * Sends any notification that belongs to this request. While the client is not reading, it is
   * held back with the log messages (see {@link log}), in order and within the same bound, and
   * one equal to a notification already held (same method and params) is held once: a change
   * notification (a `subscriptions/listen` stream's) says nothing new the second time.
   */
  notify(method: string, params?: Params): void {
    const notification: JsonRpcNotification = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    const held = this.#holder();
    if (held === undefined) this.#send(notification);
    else held.notification(notification);
  }

  /**
   * Asks the user for input through the client (`elicitation/create`). An accepted form-mode
   * answer whose `content` does not match `requestedSchema` (or is not a flat object of
   * primitives) never reaches the handler: in the legacy era and in a task the promise rejects
   * with McpError -32602 naming what is wrong; in the modern era the retry that carried it is
   * answered that error. A `requestedSchema` that cannot be compiled rejects with
   * McpLocalError(MCP_ERR_INVALID_ARGUMENT) once an answer is to be checked against it.
   */
  elicit(params: ElicitRequestParams, options?: InputOptions): Promise<ElicitResult> {
    return this.#input('elicitation', Method.ElicitationCreate, params as unknown as Params, options) as Promise<ElicitResult>;
  }

  /** Asks the client's model for a completion (`sampling/createMessage`). */
  sample(params: CreateMessageRequestParams, options?: InputOptions): Promise<CreateMessageResult> {
    return this.#input('sampling', Method.SamplingCreateMessage, params as unknown as Params, options) as Promise<CreateMessageResult>;
  }

  /** Asks the client for its filesystem roots (`roots/list`). */
  listRoots(options?: InputOptions): Promise<ListRootsResult> {
    return this.#input('roots', Method.RootsList, {}, options) as Promise<ListRootsResult>;
  }

  /** The task this call runs as, once it is one (tasks extension). */
  get taskId(): string | undefined {
    return this.#task?.taskId;
  }

  /**
   * Tasks extension: turns this call into a task now. The client gets the task handle at once
   * and this handler goes on in the background; input asked for from here on is gathered
   * through the task (`tasks/update`). A no-op when the call cannot be a task (the client did
   * not opt in, the tool forbids tasks, or the server's task bounds are reached: then the call
   * goes on as a plain request).
   *
   * Without it, a task-enabled call becomes a task as soon as the handler waits on anything but
   * input from the client; input asked for before that is gathered first, round by round.
   */
  continueAsTask(): Promise<void> {
    return this.#continueAsTask?.() ?? Promise.resolve();
  }

  /** @internal Lets the task runner take over this call. */
  allowTask(continueAsTask: () => Promise<void>): void {
    this.#continueAsTask = continueAsTask;
  }

  /**
   * @internal Marks this request's answer as a refusal (over HTTP: its status and headers);
   * the handler then throws the refusal's error.
   */
  refuse(refusal: Refusal): void {
    this.#exchange.refuse?.(refusal);
  }

  /** @internal The call is now a task: its exchange and input requests move to it. */
  attachTask(task: TaskInputs, exchange: Exchange): void {
    // What was held goes to the request's client, before the task's handle answers it.
    this.beforeAnswer();
    this.#task = task;
    this.#exchange = exchange;
    this.#continueAsTask = undefined;
    this.#cancellation?.follow(this.#cancellationOf(exchange));
  }

  /** Modern era: the answers the client sent with this retry, merged with earlier rounds'. */
  get inputResponses(): InputResponses | undefined {
    return this.#inputs;
  }

  /** Input requests made during this run that have no answer yet (modern era). */
  get pendingInputs(): InputRequests | undefined {
    return this.#pendingInputs;
  }

  /**
   * Modern era: the `requestState` this handler returned in its previous round's
   * InputRequiredResult (verified by the server), when it returned one itself.
   */
  get requestState(): string | undefined {
    return this.#requestState;
  }

  /** @internal Set by the dispatcher from `inputResponses` and the opened `requestState`. */
  setRound(inputs: InputResponses | undefined, requestState: string | undefined): void {
    this.#inputs = inputs;
    this.#requestState = requestState;
  }

  #input(capability: 'elicitation' | 'sampling' | 'roots', method: string, params: Params, options?: InputOptions): Promise<unknown> {
    const key = options?.key ?? `${capability}-${++this.#inputCount}`;
    if (this.#task !== undefined) {
      if (this.clientCapabilities[capability] === undefined) return Promise.reject(missingClientCapability({ [capability]: {} }));
      return this.#task.requestInput(key, method, params).then((answer) => checkedAnswer(key, method, params, answer, options));
    }
    if (this.isModern) {
      const inputs = this.#inputs;
      const answer = inputs !== undefined && Object.hasOwn(inputs, key) ? inputs[key] : undefined;
      if (answer !== undefined) {
        try {
          const wrong = wrongAnswer(key, method, answer, params, options);
          return wrong === undefined ? Promise.resolve(answer) : Promise.reject(wrong);
        } catch (error) {
          return Promise.reject(error); // a requestedSchema that cannot be compiled
        }
      }
      if (this.clientCapabilities[capability] === undefined) {
        return Promise.reject(missingClientCapability({ [capability]: {} }));
      }
      (this.#pendingInputs ??= {})[key] = { method, params } as InputRequests[string];
      return Promise.reject(new InputRequiredSignal(key));
    }
    const session = this.session!;
    if (session.clientCapabilities[capability] === undefined) {
      return Promise.reject(new McpLocalError(LocalErrorCode.Unsupported, `Client does not support ${capability}`));
    }
    const asked = session.request((message) => this.#send(message), method, params, {
      signal: this.signal,
      timeoutMs: options?.timeoutMs ?? this.#host.clientRequestTimeoutMs,
    });
    return asked.then((answer) => checkedAnswer(key, method, params, answer, options));
  }
}
