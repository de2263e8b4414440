/**
 * Answers the server's questions for a client: the modern era's input requests (all of one
 * InputRequiredResult at once) and the legacy era's server-to-client requests, each with the
 * handlers of the request it belongs to (the rules are in input.ts), and the server's
 * withdrawal of a question (`notifications/cancelled`) aborting its handler.
 */
import { errorResponse, type JsonRpcRequest, type JsonRpcResponse, type Params, type RequestId } from '../protocol/jsonrpc.ts';
import { elicitationAnswerProblem } from '../protocol/elicitation-content.ts';
import { isResultOf } from '../protocol/input-answer.ts';
import { describeValue, isObject, quoteValue } from '../protocol/guards.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { Method } from '../protocol/methods.ts';
import { MAX_INPUT_REQUESTS, type InputRequests } from '../protocol/types.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import { handlerFor, type InputHandlers } from './input.ts';
import { signalOf, type Pending, type PendingRequests, type RequestOptions } from './requests.ts';

type Result = Record<string, unknown>;

/**
 * Legacy server-to-client requests tracked for withdrawal at once; past this, further ones
 * are still answered but cannot be withdrawn (the server cannot make the client hold more).
 */
const MAX_TRACKED = 1024;

/**
 * The `inputRequests` of an InputRequiredResult, checked before any is answered: absent, or an
 * object of at most {@link MAX_INPUT_REQUESTS} requests, each with a string `method` and
 * object `params` if any (spec 2026-07-28, schema: InputRequests). Anything else fails the
 * request with MCP_ERR_PROTOCOL: one malformed question must not be half answered.
 *
 * @example
 * checkInputRequests('tools/call', { ask: { method: 'roots/list' } }); // returned as it is
 */
export function checkInputRequests(method: string, value: unknown): InputRequests {
  if (value === undefined) return {};
  if (!isObject(value)) throw malformed(method, `are ${describeValue(value)}, not an object`);
  let count = 0;
  for (const key in value) {
    if (++count > MAX_INPUT_REQUESTS) throw malformed(method, `ask more than ${MAX_INPUT_REQUESTS} questions at once`);
    const request = value[key];
    if (!isObject(request) || typeof request.method !== 'string' || (request.params !== undefined && !isObject(request.params))) {
      throw malformed(method, `hold ${describeValue(key)}: ${describeValue(request)}, not a request with a method and object params`);
    }
  }
  return value as InputRequests;
}

/**
 * The `requestState` of an InputRequiredResult, sent back as it came with the answers: a string
 * (spec 2026-07-28, schema: InputRequiredResult), or absent. Anything else fails the request
 * with MCP_ERR_PROTOCOL: sent back, a value nested thousands of levels deep overflowed the
 * stack while the retry was written (a RangeError, the request failing with no word of why).
 */
export function checkRequestState(method: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new McpLocalError(LocalErrorCode.ProtocolViolation, `The requestState the server sent in answer to ${method} is ${describeValue(value)}, not a string`);
}

function malformed(method: string, what: string): McpLocalError {
  return new McpLocalError(LocalErrorCode.ProtocolViolation, `The inputRequests the server sent in answer to ${method} ${what}`);
}

/**
 * What is wrong with a handler's answer to an elicitation, checked against the question's
 * `requestedSchema` as the spec asks of clients (protocol/elicitation-content.ts), or
 * undefined. The schema is the server's: its `pattern`s are not run (a regular expression
 * can take exponential time on a crafted string; the server checks its own). A schema that
 * cannot be compiled throws McpLocalError(MCP_ERR_INVALID_ARGUMENT).
 */
function elicitationProblem(method: string, params: Params, answer: unknown): string | undefined {
  return method === Method.ElicitationCreate ? elicitationAnswerProblem(params, answer, { patterns: false }) : undefined;
}

/** The default refusal of a question several requests in flight could answer. */
function ambiguousQuestion(method: string): McpError {
  return new McpError(ErrorCode.InternalError, `Cannot tell which request ${method} belongs to: several requests in flight answer it`);
}

export class InputAnswers {
  readonly #handlers: InputHandlers;
  readonly #pending: PendingRequests;
  /** Aborted when the connection ends. */
  readonly #connection: AbortSignal;
  /** Legacy server-to-client requests being answered, by the server's id. */
  readonly #serving: Map<RequestId, AbortController>;
  /** The refusal of a question several requests could answer (`ClientOptions.ambiguousQuestion`). */
  readonly #ambiguous: (method: string) => McpError;

  /** `handlers` are the client's own; `pending` holds the requests and their own handlers. */
  constructor(handlers: InputHandlers, pending: PendingRequests, connection: AbortSignal, ambiguous: (method: string) => McpError = ambiguousQuestion) {
    this.#handlers = handlers;
    this.#pending = pending;
    this.#connection = connection;
    this.#serving = new Map();
    this.#ambiguous = ambiguous;
  }

  /** Modern era: the `inputResponses` for the questions of one InputRequiredResult. */
  async answerAll(requests: InputRequests, options: RequestOptions): Promise<Record<string, unknown>> {
    const own = signalOf(options);
    const signal = own ? AbortSignal.any([own, this.#connection]) : this.#connection;
    const entries = await Promise.all(
      Object.entries(requests).map(async ([key, request]) => {
        const params = (request.params ?? {}) as Params;
        const answer = await this.#answer(request.method, params, options, signal);
        if (!isResultOf(request.method, answer)) {
          throw new McpLocalError(LocalErrorCode.InvalidArgument, `The answer to the server's question ${quoteValue(key)} (${request.method}) is not a valid result, so it was not sent`);
        }
        const problem = elicitationProblem(request.method, params, answer);
        if (problem !== undefined) {
          throw new McpLocalError(LocalErrorCode.InvalidArgument, `The answer to the server's question ${quoteValue(key)} (elicitation/create) does not match its requestedSchema, so it was not sent: ${problem}`);
        }
        return [key, answer] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  /**
   * Legacy era: the response to a server-to-client request, or undefined when none must be
   * sent (the server withdrew the question, or the connection ended).
   */
  async answerRequest(request: JsonRpcRequest, relatedRequestId: RequestId | undefined): Promise<JsonRpcResponse | undefined> {
    const controller = new AbortController();
    const asker = this.#requestOf(request, relatedRequestId);
    // The request waits on the client while its question is answered: not the server's time.
    const held = asker === 'ambiguous' ? undefined : asker;
    const options = held?.options;
    const signals = [controller.signal, this.#connection];
    const own = options === undefined ? undefined : signalOf(options);
    if (own) signals.push(own);
    const tracked = this.#serving.size < MAX_TRACKED && !this.#serving.has(request.id);
    if (tracked) this.#serving.set(request.id, controller);
    if (held !== undefined) this.#pending.hold(held);
    let response: JsonRpcResponse;
    try {
      if (asker === 'ambiguous') throw this.#ambiguous(request.method);
      const params = request.params ?? {};
      const answer = await this.#answer(request.method, params, options, AbortSignal.any(signals));
      if (!isResultOf(request.method, answer)) throw new McpError(ErrorCode.InvalidParams, `The client's answer is not a valid ${request.method} result, so it was not sent`);
      let problem: string | undefined;
      try {
        problem = elicitationProblem(request.method, params, answer);
      } catch (error) {
        // The server's own schema is at fault: its request's params.
        throw new McpError(ErrorCode.InvalidParams, `The client cannot check its answer against requestedSchema: ${(error as Error).message}`);
      }
      if (problem !== undefined) throw new McpError(ErrorCode.InvalidParams, `The client's answer does not match requestedSchema, so it was not sent: ${problem}`);
      response = { jsonrpc: '2.0', id: request.id, result: answer };
    } catch (error) {
      const wire = error instanceof McpError ? error.toWire() : { code: ErrorCode.InternalError, message: error instanceof Error ? error.message : 'Input handler failed' };
      response = errorResponse(request.id, wire);
    } finally {
      if (held !== undefined) this.#pending.resume(held);
    }
    if (this.#connection.aborted) return undefined;
    if (tracked) {
      if (this.#serving.get(request.id) !== controller) return undefined; // withdrawn by the server
      this.#serving.delete(request.id);
    }
    return response;
  }

  /** The server withdrew one of its questions: aborts its handler. False if none had that id. */
  withdraw(requestId: RequestId, reason: unknown): boolean {
    const serving = this.#serving.get(requestId);
    if (serving === undefined) return false;
    this.#serving.delete(requestId);
    serving.abort(reason);
    return true;
  }

  /** The connection ended (the connection signal has aborted every handler). */
  clear(): void {
    this.#serving.clear();
  }

  /**
   * Answers one question with the request's own handler for it, else the client's; the
   * request's `inputWatch` hears when the handler starts and ends.
   */
  async #answer(method: string, params: Params, options: RequestOptions | undefined, signal: AbortSignal): Promise<Result> {
    const handler = (options && handlerFor(method, options)) ?? handlerFor(method, this.#handlers);
    if (handler !== undefined) {
      const watch = options?.inputWatch;
      watch?.asking();
      try {
        const context = { signal };
        const answer = method === Method.RootsList ? (handler as (context: unknown) => unknown)(context) : handler(params as never, context);
        return (await answer) as Result;
      } finally {
        const turn = watch?.answered();
        if (turn !== undefined) await turn;
      }
    }
    if (method === Method.Ping) return {};
    throw new McpError(ErrorCode.MethodNotFound, `Client does not handle ${method}`);
  }

  /**
   * The request a legacy server-to-client request belongs to: the transport's tie when it has
   * one, else a matching progress token, else the only request with a handler for that method.
   * Undefined means the client's own handlers.
   */
  #requestOf(request: JsonRpcRequest, relatedRequestId: RequestId | undefined): Pending | undefined | 'ambiguous' {
    if (relatedRequestId !== undefined) return this.#pending.get(relatedRequestId);
    const token = (request.params?._meta as Record<string, unknown> | undefined)?.progressToken;
    if (typeof token === 'number' || typeof token === 'string') {
      const asker = this.#pending.get(token);
      if (asker !== undefined) return asker;
    }
    const candidates = this.#pending.withHandlerFor(request.method);
    if (candidates.length === 1) return candidates[0];
    if (candidates.length > 1 && handlerFor(request.method, this.#handlers) === undefined) return 'ambiguous';
    return undefined;
  }
}
