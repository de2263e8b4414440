/**
 * What the spec says a server must answer to a message, worked out independently of the
 * server's own classification, and checks of what it did answer.
 */

/** What a message calls for: one response with this id, one error without id, or nothing. */
export type Expectation =
  | { answer: 'result-or-error'; id: string | number }
  | { answer: 'invalid'; id: string | number | undefined }
  | { answer: 'none' };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** JSON-RPC 2.0 as MCP uses it: no batches, params an object, ids strings or numbers. */
export function expectationOf(message: unknown): Expectation {
  // Only a request's id is echoed: a response's id names one of the server's own requests.
  const invalid = (): Expectation => ({ answer: 'invalid', id: isPlainObject(message) && message.method !== undefined && isId(message.id) ? message.id : undefined });
  if (!isPlainObject(message) || message.jsonrpc !== '2.0') return invalid();
  if (message.method !== undefined) {
    if (typeof message.method !== 'string') return invalid();
    if (message.params !== undefined && !isPlainObject(message.params)) return invalid();
    if (message.id === undefined) return { answer: 'none' };
    return isId(message.id) ? { answer: 'result-or-error', id: message.id } : invalid();
  }
  // JSON-RPC 2.0: a response has a result or an error, never both.
  if ('result' in message && 'error' in message) return invalid();
  if ('result' in message) return isId(message.id) && isPlainObject(message.result) ? { answer: 'none' } : invalid();
  if ('error' in message) {
    const error = message.error;
    // JSON-RPC 2.0: the code MUST be an integer; one past 2^53 is not one a number holds exactly.
    const wellFormed = isPlainObject(error) && Number.isSafeInteger(error.code) && typeof error.message === 'string';
    return wellFormed && (message.id === undefined || message.id === null || isId(message.id)) ? { answer: 'none' } : invalid();
  }
  return invalid();
}

/**
 * The id of the request an invalid message answers (no method, a string or number id, a result
 * or an error member), whose sender can be told at once its answer was malformed; undefined for
 * any other message.
 */
export function answeredId(message: unknown): string | number | undefined {
  if (!isPlainObject(message) || message.jsonrpc !== '2.0' || message.method !== undefined || !isId(message.id)) return undefined;
  return 'result' in message || 'error' in message ? message.id : undefined;
}

/** Error codes a server may answer client input with; -32603 means the server failed. */
const CLIENT_ERRORS = new Set([-32700, -32600, -32601, -32602, -32000, -32001, -32002, -32020, -32021, -32022]);

/** Why `response` is not a valid answer to a request with `id` (undefined: no id), or undefined. */
export function problemWith(response: unknown, id: string | number | undefined): string | undefined {
  if (!isPlainObject(response) || response.jsonrpc !== '2.0') return 'not a JSON-RPC 2.0 message';
  if (id === undefined ? 'id' in response && response.id !== null : response.id !== id) return `id ${JSON.stringify(response.id)}, expected ${JSON.stringify(id)}`;
  const hasResult = 'result' in response;
  if (hasResult === 'error' in response) return 'needs exactly one of result and error';
  if (hasResult) return isPlainObject(response.result) ? undefined : 'result is not an object';
  const error = response.error;
  if (!isPlainObject(error) || !Number.isInteger(error.code) || typeof error.message !== 'string') return 'malformed error';
  if (!CLIENT_ERRORS.has(error.code as number)) return `error code ${String(error.code)}: ${String(error.message)}`;
  return undefined;
}
