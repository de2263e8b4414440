/**
 * Multi round-trip requests, server side (spec 2026-07-28, basic/patterns/mrtr).
 *
 * `requestState` is always ours: sealed (see request-state.ts) and bound to the request's
 * method, target and arguments and to the caller. It carries the answers of earlier rounds,
 * so a handler that asks several questions in turn is simply run again with more answers
 * each time, plus any state the handler itself chose to keep.
 */
import type { InputRequests, InputResponses } from '../protocol/types.ts';
import { invalidParams } from '../protocol/wire-errors.ts';
import { InputRequiredSignal, type RequestContext } from './context.ts';
import { checkInputResponses } from './input-responses.ts';
import { digestJson, type RequestStateSealer } from './request-state.ts';

interface RoundState {
  /** Answers collected in earlier rounds. */
  answers?: InputResponses;
  /** A handler's own `requestState`, when it returned an InputRequiredResult itself. */
  user?: string;
}

type Result = Record<string, unknown>;

/**
 * One round of a request that may ask the client for input (`tools/call`, `prompts/get`,
 * `resources/read`). Costs nothing extra when no input is involved: the binding digest is
 * computed only when a requestState is opened or sealed, and a synchronous handler is
 * answered synchronously.
 */
export class Round {
  readonly #sealer: RequestStateSealer;
  readonly #ctx: RequestContext;
  readonly #target: string;
  readonly #args: unknown;
  #binding: string | undefined;

  constructor(sealer: RequestStateSealer, ctx: RequestContext, target: string, args: unknown) {
    this.#sealer = sealer;
    this.#ctx = ctx;
    this.#target = target;
    this.#args = args;
    this.#binding = undefined;
  }

  /** What ties a requestState to one request: method, target, arguments and caller. */
  get binding(): string {
    const ctx = this.#ctx;
    return (this.#binding ??= `${ctx.method}\n${this.#target}\n${digestJson(this.#args ?? {})}\n${ctx.auth?.subject ?? ''}`);
  }

  /**
   * Reads `inputResponses` and `requestState` from a retry into the context. Throws -32602 for
   * malformed input or a requestState that fails verification.
   */
  open(): void {
    const ctx = this.#ctx;
    const { inputResponses, requestState } = ctx.params;
    if (!ctx.isModern || (inputResponses === undefined && requestState === undefined)) return;
    // The answers are sealed into the next round's requestState, i.e. serialized again.
    if (inputResponses !== undefined) checkInputResponses(inputResponses);
    let state: RoundState = {};
    if (requestState !== undefined) {
      const opened = this.#sealer.open(requestState, this.binding);
      if (typeof opened === 'string') throw invalidParams(`Invalid requestState: ${opened}`);
      state = opened as unknown as RoundState;
    }
    ctx.setRound({ ...state.answers, ...(inputResponses as InputResponses | undefined) }, state.user);
  }

  /** The InputRequiredResult for questions asked and not yet answered. */
  inputRequired(requests: InputRequests, user?: string): Result {
    const state: RoundState & { bind: string; [key: string]: unknown } = { bind: this.binding };
    const answers = this.#ctx.inputResponses;
    if (answers !== undefined) state.answers = answers;
    if (user !== undefined) state.user = user;
    return { resultType: 'input_required', inputRequests: requests, requestState: this.#sealer.seal(state) };
  }

  /** Runs the handler for this round; synchronous when the handler is. */
  run(work: () => Result | Promise<Result>): Result | Promise<Result> {
    this.open();
    let out: Result | Promise<Result>;
    try {
      out = work();
    } catch (error) {
      return this.failed(error);
    }
    return out instanceof Promise ? out.then((result) => this.settled(result), (error: unknown) => this.failed(error)) : this.settled(out);
  }

  /**
   * Unanswered questions win over whatever the handler returned (it may have caught the
   * signal); a handler-made InputRequiredResult gets its own state sealed inside ours.
   */
  settled(result: Result): Result {
    const ctx = this.#ctx;
    if (!ctx.isModern) return result;
    if (ctx.pendingInputs !== undefined) return this.inputRequired(ctx.pendingInputs);
    if (result.resultType === 'input_required') {
      return this.inputRequired((result.inputRequests as InputRequests | undefined) ?? {}, result.requestState as string | undefined);
    }
    return result;
  }

  failed(error: unknown): Result {
    const pending = this.#ctx.pendingInputs;
    if (error instanceof InputRequiredSignal && pending !== undefined) return this.inputRequired(pending);
    throw error;
  }
}
