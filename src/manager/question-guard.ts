/**
 * An upstream's questions within a call (elicitation, sampling) checked against the spec's
 * types before the call's handlers get them (entry-check.ts). One that fails cannot be passed
 * on: its caller's client would refuse it, and one nested thousands of levels deep cannot even
 * be written out (a 2026-07-28 caller got a bare internal error while the upstream's call waited
 * for an answer until inputTimeoutMs). So it is refused at once: the upstream hears why
 * (-32602) and ends its call on its own terms, and the call's outcome names the upstream and
 * the question, in its result's `_meta` or in the error it fails with.
 */
import type { RequestOptions } from '../client/requests.ts';
import { Method } from '../protocol/methods.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import { questionProblem } from './entry-check.ts';

type Result = Record<string, unknown>;

/** The `_meta` key of a result whose call had a question refused: `{ upstream, method, reason }`. */
export const REFUSED_QUESTION_META_KEY = 'mcp-core/refusedQuestion';

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
export class QuestionGuard {
  readonly #upstream: string;
  /** The first question refused in the call. */
  #refusal: Refusal | undefined;

  constructor(upstream: string) {
    this.#upstream = upstream;
    this.#refusal = undefined;
  }

  /** Whether a call's options have handlers whose questions need the check. */
  static needed(options: RequestOptions): boolean {
    return options.onElicit !== undefined || options.onSample !== undefined;
  }

  /** Puts the check in front of the elicitation and sampling handlers of `options` (the call's own copy). */
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
