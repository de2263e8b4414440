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
import { digestJson, type RequestStateSealer } from './request-state.ts';

interface RoundState {
  /** Answers collected in earlier rounds. */
  answers?: InputResponses;
  /** A handler's own `requestState`, when it returned an InputRequiredResult itself. */
  user?: string;
}

/** What ties a requestState to one request: method, target, arguments and caller. */
export function bindingOf(ctx: RequestContext, target: string, args: unknown): string {
  return `${ctx.method}\n${target}\n${digestJson(args ?? {})}\n${ctx.auth?.subject ?? ''}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads `inputResponses` and `requestState` from a retry into the context. Throws -32602 for
 * malformed input or a requestState that fails verification.
 */
export function openRound(sealer: RequestStateSealer, ctx: RequestContext, binding: string): void {
  const { inputResponses, requestState } = ctx.params;
  if (inputResponses !== undefined) {
    if (!isObject(inputResponses)) throw invalidParams('Invalid inputResponses: must be an object');
    for (const [key, value] of Object.entries(inputResponses)) {
      if (!isObject(value)) throw invalidParams(`Invalid inputResponses: "${key}" must be an object`);
    }
  }
  let state: RoundState = {};
  if (requestState !== undefined) {
    const opened = sealer.open(requestState, binding);
    if (typeof opened === 'string') throw invalidParams(`Invalid requestState: ${opened}`);
    state = opened as unknown as RoundState;
  }
  const answers = state.answers !== undefined || inputResponses !== undefined ? { ...state.answers, ...(inputResponses as InputResponses | undefined) } : undefined;
  ctx.setRound(answers, state.user);
}

/** The InputRequiredResult for the questions a handler asked and got no answer to. */
export function inputRequired(sealer: RequestStateSealer, ctx: RequestContext, binding: string, requests: InputRequests, user?: string): Record<string, unknown> {
  const state: RoundState & { bind: string; [key: string]: unknown } = { bind: binding };
  if (ctx.inputResponses !== undefined) state.answers = ctx.inputResponses;
  if (user !== undefined) state.user = user;
  return { resultType: 'input_required', inputRequests: requests, requestState: sealer.seal(state) };
}

/**
 * Runs a handler for one round: opens the retry's state, and turns unanswered input requests
 * (thrown as InputRequiredSignal, or left pending by a handler that caught it) and handler-made
 * InputRequiredResults into a sealed InputRequiredResult.
 */
export async function runRound(
  sealer: RequestStateSealer,
  ctx: RequestContext,
  binding: string,
  run: () => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  if (ctx.isModern) openRound(sealer, ctx, binding);
  let result: Record<string, unknown>;
  try {
    result = await run();
  } catch (error) {
    if (!(error instanceof InputRequiredSignal) || ctx.pendingInputs === undefined) throw error;
    return inputRequired(sealer, ctx, binding, ctx.pendingInputs);
  }
  if (!ctx.isModern) return result;
  if (ctx.pendingInputs !== undefined) return inputRequired(sealer, ctx, binding, ctx.pendingInputs);
  if (result.resultType === 'input_required') {
    const requests = (result.inputRequests as InputRequests | undefined) ?? {};
    return inputRequired(sealer, ctx, binding, requests, result.requestState as string | undefined);
  }
  return result;
}
