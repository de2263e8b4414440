/**
 * The JSON-RPC 2.0 envelope, checked by hand: a message's shape is a handful of property
 * tests, far cheaper than a schema validator on the hot path.
 */
import { isObject } from './guards.ts';
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
  if ('result' in value) return isRequestId(id) && isObject(value.result) ? MessageKind.Result : MessageKind.Invalid;
  if ('error' in value) {
    const error = value.error;
    if (!isObject(error) || typeof error.code !== 'number' || typeof error.message !== 'string') return MessageKind.Invalid;
    return id === undefined || id === null || isRequestId(id) ? MessageKind.Error : MessageKind.Invalid;
  }
  return MessageKind.Invalid;
}

/** What waits for the response to a request of one's own. */
export interface ResponseWaiter {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * Settles `waiter` with `response` as {@link classify} reads it: a response with an object
 * result is a result, whatever error it also carries (that may be anything, not a JSON-RPC
 * error); otherwise its error, as an McpError.
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
  if (Array.isArray(value)) return 'Invalid Request: JSON-RPC batches are not supported';
  if (!isObject(value)) return 'Invalid Request: a message must be a JSON object';
  if (value.jsonrpc !== '2.0') return 'Invalid Request: "jsonrpc" must be "2.0"';
  if (value.method !== undefined && typeof value.method !== 'string') return 'Invalid Request: "method" must be a string';
  if (typeof value.method === 'string' && value.params !== undefined && !isObject(value.params)) {
    return 'Invalid Request: "params" must be an object';
  }
  if (value.id === null) return 'Invalid Request: "id" must not be null';
  if (value.id !== undefined && !isRequestId(value.id)) return 'Invalid Request: "id" must be a string or a number';
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
