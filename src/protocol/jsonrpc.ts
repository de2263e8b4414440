/**
 * The JSON-RPC 2.0 envelope, checked by hand: a message's shape is a handful of property
 * tests, far cheaper than a schema validator on the hot path.
 */
import { isObject, quoteValue } from './guards.ts';
import { ErrorCode, McpError, type WireError } from './wire-errors.ts';

export type RequestId = string | number;

/** `params` of a request or notification: always an object in MCP. */
export interface Params {
  [key: string]: unknown;
  _meta?: Record<string, unknown>;
}

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: Params;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Params;
}

export interface JsonRpcResultResponse {
  jsonrpc: '2.0';
  id: RequestId;
  result: Record<string, unknown>;
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  /** Absent when the request's id could not be read. */
  id?: RequestId;
  error: WireError;
}

export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export const MessageKind = {
  Request: 1,
  Notification: 2,
  Result: 3,
  Error: 4,
  Invalid: 0,
} as const;
export type MessageKindValue = (typeof MessageKind)[keyof typeof MessageKind];

function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Classifies a parsed JSON value as one JSON-RPC message kind, or Invalid. Batches (arrays)
 * are Invalid: no revision mcp-core serves as modern or as 2025-06-18+ allows them, and the
 * older ones that did never saw them used in practice.
 */
export function classify(value: unknown): MessageKindValue {
  if (!isObject(value) || value.jsonrpc !== '2.0') return MessageKind.Invalid;
  const { method, id } = value;
  if (typeof method === 'string') {
    if (value.params !== undefined && !isObject(value.params)) return MessageKind.Invalid;
    if (id === undefined) return MessageKind.Notification;
    return isRequestId(id) ? MessageKind.Request : MessageKind.Invalid;
  }
  if (method !== undefined) return MessageKind.Invalid;
  // JSON-RPC 2.0: a response carries a result or an error, never both. Neither wins: reading
  // one would drop what the peer may have meant by the other.
  if ('result' in value && 'error' in value) return MessageKind.Invalid;
  if ('result' in value) return isRequestId(id) && isObject(value.result) ? MessageKind.Result : MessageKind.Invalid;
  if ('error' in value) {
    const error = value.error;
    // JSON-RPC 2.0: the code MUST be an integer. Safe: one past 2^53 is not held exactly here,
    // and 1e300 written out again stops peers that read codes as 64-bit integers.
    if (!isObject(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string') return MessageKind.Invalid;
    return id === undefined || id === null || isRequestId(id) ? MessageKind.Error : MessageKind.Invalid;
  }
  return MessageKind.Invalid;
}

/**
 * An answer to one of our requests that {@link classify} finds Invalid: its id names the
 * request, but its result is not an object, its error is no JSON-RPC error, or the response
 * carries both. What is wrong (`problem`) is in the words of {@link malformedAnswer}.
 */
export interface MalformedAnswer {
  id: RequestId;
  what: MalformedPart;
  problem: string;
}

/** The part of an answer that is malformed: `response` when it has both a result and an error. */
export type MalformedPart = 'result' | 'error' | 'response';

/**
 * The answer `value` is when it answers a request (a usable id, no method) and is malformed, or
 * undefined. Read only for what {@link classify} found Invalid: such an answer fails its
 * request at once, where it was dropped (the request waited for its timeout) or passed on.
 *
 * @example
 * malformedAnswer({ jsonrpc: '2.0', id: 3, error: { code: 1.5, message: 'no' } }); // { id: 3, what: 'error', problem: 'code is 1.5, not an integer' }
 * malformedAnswer({ jsonrpc: '2.0', id: 3, result: {}, error: { code: 1, message: 'no' } }); // { id: 3, what: 'response', problem: 'it has both a result and an error' }
 */
export function malformedAnswer(value: unknown): MalformedAnswer | undefined {
  if (!isObject(value) || value.jsonrpc !== '2.0' || value.method !== undefined || !isRequestId(value.id)) return undefined;
  if ('result' in value && 'error' in value) return { id: value.id, what: 'response', problem: 'it has both a result and an error' };
  if ('result' in value) return isObject(value.result) ? undefined : { id: value.id, what: 'result', problem: `it is ${quoteValue(value.result)}, not an object` };
  if (!('error' in value)) return undefined;
  const problem = wireErrorProblem(value.error);
  return problem === undefined ? undefined : { id: value.id, what: 'error', problem };
}

function wireErrorProblem(error: unknown): string | undefined {
  if (!isObject(error)) return `it is ${quoteValue(error)}, not an object`;
  if (!Number.isSafeInteger(error.code)) return error.code === undefined ? 'it has no code' : `code is ${quoteValue(error.code)}, not an integer`;
  if (typeof error.message !== 'string') return error.message === undefined ? 'it has no message' : `message is ${quoteValue(error.message)}, not a string`;
  return undefined;
}

/**
 * The error an answer is settled with when it is malformed (see {@link malformedAnswer}): -32600,
 * saying what was wrong, as a well-formed error for code that reads only those.
 */
export function malformedAnswerError(answer: MalformedAnswer): JsonRpcErrorResponse {
  return errorResponse(answer.id, { code: ErrorCode.InvalidRequest, message: `Invalid Request: a malformed ${answer.what} in answer to request ${quoteValue(answer.id)}: ${answer.problem}` });
}

/** What waits for the response to a request of one's own. */
export interface ResponseWaiter {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * Settles `waiter` with `response` as {@link classify} reads it: its result, or its error as an
 * McpError (a response with both is Invalid, and never gets here).
 */
export function settleWith(waiter: ResponseWaiter, response: JsonRpcResponse): void {
  if ('result' in response) waiter.resolve(response.result);
  else waiter.reject(McpError.fromWire(response.error));
}

/**
 * The id of something that looked like a request (it has a `method`), for answering it even
 * when it is malformed. A response's id is never salvaged: it names one of the server's own
 * requests, and an error carrying it could fail an unrelated request of the client's.
 */
export function salvageId(value: unknown): RequestId | undefined {
  if (isObject(value) && value.method !== undefined && isRequestId(value.id)) return value.id;
  return undefined;
}

/** Describes why a value is not a valid message, for the error returned to the sender. */
export function describeInvalid(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'Invalid Request: an empty batch' : 'Invalid Request: JSON-RPC batches are taken only in sessions of protocol version 2025-03-26';
  if (!isObject(value)) return 'Invalid Request: a message must be a JSON object';
  if (value.jsonrpc !== '2.0') return 'Invalid Request: "jsonrpc" must be "2.0"';
  if (value.method !== undefined && typeof value.method !== 'string') return 'Invalid Request: "method" must be a string';
  if (typeof value.method === 'string' && value.params !== undefined && !isObject(value.params)) {
    return 'Invalid Request: "params" must be an object';
  }
  if (value.id === null) return 'Invalid Request: "id" must not be null';
  if (value.id !== undefined && !isRequestId(value.id)) return 'Invalid Request: "id" must be a string or a number';
  const answer = malformedAnswer(value);
  if (answer !== undefined) return `Invalid Request: a malformed ${answer.what}: ${answer.problem}`;
  return 'Invalid Request: not a JSON-RPC request, notification or response';
}

export function resultResponse(id: RequestId, result: Record<string, unknown>): JsonRpcResultResponse {
  return { jsonrpc: '2.0', id, result };
}

export function errorResponse(id: RequestId | undefined, error: WireError): JsonRpcErrorResponse {
  return id === undefined ? { jsonrpc: '2.0', error } : { jsonrpc: '2.0', id, error };
}

export function parseErrorResponse(detail?: string): JsonRpcErrorResponse {
  return errorResponse(undefined, { code: ErrorCode.ParseError, message: detail ? `Parse error: ${detail}` : 'Parse error' });
}

export function invalidRequestResponse(value: unknown): JsonRpcErrorResponse {
  return errorResponse(salvageId(value), { code: ErrorCode.InvalidRequest, message: describeInvalid(value) });
}

export function isErrorResponse(message: JsonRpcResponse): message is JsonRpcErrorResponse {
  return (message as JsonRpcErrorResponse).error !== undefined;
}
