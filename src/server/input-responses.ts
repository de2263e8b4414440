/**
 * The answers a client sends to a server's questions, `inputResponses`: in the retry of a
 * request that asked (spec 2026-07-28, basic/patterns/mrtr) and in `tasks/update` for a task
 * waiting for input (tasks extension). One check for both, and for a gateway passing a
 * caller's answers on to an upstream's task: what is checked here is all a server knows of
 * them before a handler (or an upstream) gets them.
 */
import { elicitationAnswerProblem } from '../protocol/elicitation-content.ts';
import { isResultOf } from '../protocol/input-answer.ts';
import type { Params } from '../protocol/jsonrpc.ts';
import { isObject, MAX_JSON_DEPTH, nestedDeeperThan, quoteValue } from '../protocol/guards.ts';
import { Method } from '../protocol/methods.ts';
import { MAX_INPUT_REQUESTS, type InputRequests, type InputResponses } from '../protocol/types.ts';
import { invalidParams, type McpError } from '../protocol/wire-errors.ts';

/**
 * -32602 for an answer under `key` that is not a result of its question's `method`; undefined
 * for one that is. With the question's `params`, an elicitation's accepted content is also
 * checked against its `requestedSchema` (protocol/elicitation-content.ts).
 */
export function wrongAnswer(key: string, method: string, answer: unknown, params?: Params, options?: { checkPatterns?: boolean }): McpError | undefined {
  if (!isResultOf(method, answer)) return invalidParams(`Invalid inputResponses: ${quoteValue(key)} is not a valid ${method} result`);
  if (params === undefined || method !== Method.ElicitationCreate) return undefined;
  const problem = elicitationAnswerProblem(params, answer, { patterns: options?.checkPatterns });
  return problem === undefined ? undefined : invalidParams(`Invalid inputResponses: ${quoteValue(key)} does not match its requestedSchema: ${problem}`);
}

/**
 * `inputResponses` as a client sent them, checked: an object of at most
 * {@link MAX_INPUT_REQUESTS} answers (as many questions as one result may ask at once), each
 * an object, nested at most {@link MAX_JSON_DEPTH} levels (answers are serialized again: sealed
 * into a `requestState`, or sent on to an upstream). Else -32602 naming what is wrong.
 *
 * @example
 * checkInputResponses({ q: { action: 'decline' } }); // returned as it is
 * checkInputResponses([1]); // throws -32602 'Invalid inputResponses: must be an object, not an array'
 */
export function checkInputResponses(value: unknown): InputResponses {
  if (!isObject(value)) throw invalidParams(`Invalid inputResponses: must be an object, not ${quoteValue(value)}`);
  let count = 0;
  for (const key in value) {
    if (++count > MAX_INPUT_REQUESTS) throw invalidParams(`Invalid inputResponses: more than ${MAX_INPUT_REQUESTS} answers, the most questions asked at once`);
    if (!isObject(value[key])) throw invalidParams(`Invalid inputResponses: ${quoteValue(key)} must be an object, not ${quoteValue(value[key])}`);
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) throw invalidParams(`Invalid inputResponses: nested deeper than ${MAX_JSON_DEPTH} levels`);
  return value as InputResponses;
}

/**
 * The answers among `responses` (checked by {@link checkInputResponses}) to the questions
 * outstanding in `inputRequests`, each checked against its question's method (-32602 for one
 * that is not a result of it). Answers under any other key (never asked, answered already,
 * superseded) are left out: the tasks extension says a server SHOULD ignore them, and a
 * client that sends its answer twice must not fail for it.
 *
 * @example
 * answersTo({ q: { action: 'accept' }, old: { action: 'decline' } }, { q: { method: 'elicitation/create', params } });
 * // { q: { action: 'accept' } }
 */
export function answersTo(responses: InputResponses, inputRequests: InputRequests | undefined): InputResponses {
  const answers: Array<[string, unknown]> = [];
  if (inputRequests === undefined) return {};
  for (const key in responses) {
    if (!Object.hasOwn(inputRequests, key)) continue;
    const { method } = inputRequests[key];
    const answer = responses[key];
    const wrong = wrongAnswer(key, method, answer);
    if (wrong !== undefined) throw wrong;
    answers.push([key, answer]);
  }
  // Own properties whatever the keys (`__proto__` included).
  return Object.fromEntries(answers) as InputResponses;
}
