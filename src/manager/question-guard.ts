/**
 * An upstream's questions within a call (elicitation, sampling) checked against the spec's
 * types before the call's handlers get them (entry-check.ts). One that fails cannot be passed
 * on: its caller's client would refuse it, and one nested thousands of levels deep cannot even
 * be written out (a 2026-07-28 caller got a bare internal error while the upstream's call waited
 * for an answer until inputTimeoutMs). So it is refused at once: the upstream hears why
 * (-32602) and ends its call on its own terms, and the call's outcome names the upstream and
 * the question, in its result's `_meta` or in the error it fails with.
 *
 * The questions of an upstream's task (tasks extension: the `inputRequests` of a `tasks/get`
 * answer whose task waits for input) go to the caller as they are, keys and all, and its
 * answers come back in `tasks/update`: they get the same checks and bounds
 * ({@link taskQuestionsProblem}), so a task cannot make the gateway or its caller hold more
 * than a call can.
 *
 * The guard is also the call's hold on its upstream's call slot (a {@link CallSlot}), which
 * the call gives back while its caller is asked (bulkhead.ts).
 */
import { MAX_INPUT_REQUESTS } from '../protocol/types.ts';
import type { RequestOptions } from '../client/requests.ts';
import { describeValue, isObject } from '../protocol/guards.ts';
import { Method } from '../protocol/methods.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import { CallSlot } from './bulkhead.ts';
import { questionProblem } from './entry-check.ts';

type Result = Record<string, unknown>;

/** The `_meta` key of a result whose call had a question refused: `{ upstream, method, reason }`. */
export const REFUSED_QUESTION_META_KEY = 'mcp-core/refusedQuestion';

/**
 * Characters of one key of a task's `inputRequests`, at most: the key goes to the caller, who
 * holds it until it answers, and comes back in its `tasks/update`. The gateway's own keys for
 * a call's questions are a few characters (input-bridge.ts).
 */
export const MAX_QUESTION_KEY_LENGTH = 256;

/** What a server may ask its client (spec 2026-07-28, schema: InputRequest). */
const QUESTIONS = new Set<string>([Method.ElicitationCreate, Method.SamplingCreateMessage, Method.RootsList]);

/**
 * What keeps the `inputRequests` of an upstream's task (a `tasks/get` answer) from being
 * passed on to the caller, or undefined when nothing does: as many questions at once as one
 * call may have open ({@link MAX_INPUT_REQUESTS}), keys of at most
 * {@link MAX_QUESTION_KEY_LENGTH} characters, each a question a server may ask (elicitation,
 * sampling, roots) whose params pass the checks a call's questions pass (entry-check.ts).
 *
 * @example
 * taskQuestionsProblem({ q: { method: 'tools/call' } });
 * // 'inputRequests["q"] asks tools/call, not elicitation/create, sampling/createMessage or roots/list'
 */
export function taskQuestionsProblem(inputRequests: unknown): string | undefined {
  if (inputRequests === undefined) return undefined;
  if (!isObject(inputRequests)) return `inputRequests is ${describeValue(inputRequests)}, not an object`;
  let count = 0;
  for (const key in inputRequests) {
    if (++count > MAX_INPUT_REQUESTS) return `inputRequests asks more than ${MAX_INPUT_REQUESTS} questions at once`;
    if (key.length > MAX_QUESTION_KEY_LENGTH) return `inputRequests has a key of ${key.length} characters, more than ${MAX_QUESTION_KEY_LENGTH}`;
    const at = `inputRequests[${JSON.stringify(key)}]`;
    const request = inputRequests[key];
    if (!isObject(request) || typeof request.method !== 'string') return `${at} is not a request with a method`;
    const { method, params } = request;
    if (!QUESTIONS.has(method)) return `${at} asks ${JSON.stringify(describeValue(method))}, not ${[...QUESTIONS].join(', ')}`;
    if (params !== undefined && !isObject(params)) return `${at} has params that are not an object`;
    const problem = questionProblem(method, params);
    if (problem !== undefined) return `${at} (${method}): ${problem}`;
  }
  return undefined;
}

interface Refusal {
  method: string;
  reason: string;
  /** What the upstream was answered. */
  error: McpError;
}

/**
 * @example
 * const guard = new QuestionGuard('search');
 * guard.watch(options); // options: the call's own copy
 * try { return guard.noted(await client.request(method, params, options)); }
 * catch (error) { throw guard.explained(error); }
 */
export class QuestionGuard extends CallSlot {
  readonly #upstream: string;
  /** The first question refused in the call. */
  #refusal: Refusal | undefined;

  constructor(upstream: string) {
    super();
    this.#upstream = upstream;
    this.#refusal = undefined;
  }

  /** Whether a call's options have handlers: its questions need the check, and its slot the care of a call that asks (bulkhead.ts). */
  static needed(options: RequestOptions): boolean {
    return options.onElicit !== undefined || options.onSample !== undefined || options.onListRoots !== undefined;
  }

  /**
   * Puts the check in front of the elicitation and sampling handlers of `options` (the call's
   * own copy, whose `inputWatch` is the guard: it is the call's {@link CallSlot}, given back
   * while the call's caller is asked, with no other object per call).
   */
  watch(options: RequestOptions): void {
    const { onElicit, onSample } = options;
    if (onElicit !== undefined) {
      options.onElicit = (params, context) => {
        this.#check(Method.ElicitationCreate, params);
        return onElicit(params, context);
      };
    }
    if (onSample !== undefined) {
      options.onSample = (params, context) => {
        this.#check(Method.SamplingCreateMessage, params);
        return onSample(params, context);
      };
    }
  }

  #check(method: string, params: unknown): void {
    const reason = questionProblem(method, params);
    if (reason === undefined) return;
    const error = new McpError(ErrorCode.InvalidParams, `The gateway could not pass ${method} on to its caller: ${reason}`);
    this.#refusal ??= { method, reason, error };
    throw error;
  }

  /** What happened, for the caller and the upstream's health; undefined when no question was refused. */
  get refused(): string | undefined {
    const refusal = this.#refusal;
    if (refusal === undefined) return undefined;
    return `Upstream "${this.#upstream}" asked ${refusal.method}, which the gateway could not pass on to its caller (${refusal.reason})`;
  }

  /** The call's result, with the refused question in its `_meta` (when there was one). */
  noted(result: Result): Result {
    const refusal = this.#refusal;
    if (refusal === undefined) return result;
    const note = { upstream: this.#upstream, method: refusal.method, reason: refusal.reason };
    return { ...result, _meta: { ...(result._meta as Result | undefined), [REFUSED_QUESTION_META_KEY]: note } };
  }

  /**
   * The error the call failed with: after a refused question, the upstream's own JSON-RPC error
   * (or the refusal itself, which a 2026-07-28 upstream's client call fails with) becomes one
   * naming the upstream and the question; anything else stays as it is.
   */
  explained(error: unknown): unknown {
    const refusal = this.#refusal;
    if (refusal === undefined || !(error instanceof McpError)) return error;
    const said = this.refused!;
    return new McpError(ErrorCode.InternalError, error === refusal.error ? said : `${said}, and then failed: ${error.message}`);
  }
}
