/**
 * Whether a value is a result of a server's question: the answer to `elicitation/create`,
 * `sampling/createMessage` or `roots/list`, in the fields a server reads from it. Both sides
 * check with it: a server, what a client answered (in a retry's `inputResponses`, a task's
 * `tasks/update`, or the response to its request in a legacy session), before a handler
 * reads it; a client, what its application's handler answers, before it is sent.
 */
import { Method } from './methods.ts';

/**
 * @example
 * isResultOf('elicitation/create', { action: 'decline' }); // true
 * isResultOf('elicitation/create', { action: 'maybe' }); // false: no action the spec defines
 */
export function isResultOf(method: string, value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const answer = value as Record<string, unknown>;
  switch (method) {
    case Method.ElicitationCreate:
      return answer.action === 'accept' || answer.action === 'decline' || answer.action === 'cancel';
    case Method.SamplingCreateMessage:
      return typeof answer.role === 'string' && typeof answer.content === 'object' && answer.content !== null;
    case Method.RootsList:
      return Array.isArray(answer.roots);
    default:
      return true;
  }
}
