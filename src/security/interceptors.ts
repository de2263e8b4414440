/**
 * The shapes security interceptors are written against. They are the dispatch pipeline's
 * (`server.use`), stated here in terms of what they read, so security/ needs nothing from
 * the layers above it: an exchange with the caller (`auth`) and, on transports with statuses,
 * a way to mark the answer as a refusal (`refuse`).
 */
import { errorResponse, type JsonRpcRequest, type JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { Principal, Refusal } from './edge.ts';

/** What security interceptors read of an exchange. */
export interface CallExchange {
  readonly auth: Principal | undefined;
  readonly cancelled: boolean;
  readonly signal: AbortSignal;
  refuse?(refusal: Refusal): void;
}

export type Served = JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>;
export type Serve<E extends CallExchange> = (request: JsonRpcRequest, exchange: E) => Served;
/** An interceptor, as `server.use` takes it. */
export type SecurityInterceptor = <E extends CallExchange>(next: Serve<E>, method: string) => Serve<E>;

/** A server that interceptors can be added to (McpServer). */
export interface InterceptedServer {
  use(interceptor: SecurityInterceptor, options?: { methods?: readonly string[] }): unknown;
  /** Whether the server has a tool of this name. */
  hasTool?(name: string): boolean;
}

/**
 * Answers a request with a refusal: its JSON-RPC error, and over HTTP its status and headers.
 *
 * @example
 * if (overLimit) return refuseCall(request, exchange, TOO_MANY);
 */
export function refuseCall(request: JsonRpcRequest, exchange: CallExchange, refusal: Refusal): JsonRpcResponse {
  exchange.refuse?.(refusal);
  return errorResponse(request.id, refusal.error);
}
