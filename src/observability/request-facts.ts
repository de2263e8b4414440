/**
 * What logs, metrics and traces say about one dispatched request, read the same way by all
 * three. Method and tool names come from the client: as metric labels and span names they are
 * kept to names the server knows, so a client cannot grow a time series per name it invents.
 */
import type { JsonRpcRequest, JsonRpcResponse } from '../protocol/jsonrpc.ts';
import type { DispatchingServer } from '../server/diagnostics.ts';
import type { Exchange } from '../transport/exchange.ts';

export type Era = 'modern' | 'legacy';

/**
 * - `ok`: a result (a task handle included);
 * - `tool_error`: a tools/call result with `isError` (the tool failed; the protocol did not);
 * - `input_required`: a multi round-trip result asking the client for input;
 * - `error`: a JSON-RPC error;
 * - `cancelled`: no response (the client cancelled or went away).
 */
export type Outcome = 'ok' | 'tool_error' | 'input_required' | 'error' | 'cancelled';

/** Every outcome, in the order of {@link outcomeIndex}. */
export const OUTCOMES: readonly Outcome[] = ['ok', 'tool_error', 'input_required', 'error', 'cancelled'];

/** The label for methods and tools the server does not know. */
export const UNKNOWN = 'unknown';

/** Every era, in the order of {@link eraIndex}. */
export const ERAS: readonly Era[] = ['modern', 'legacy'];

/** The era's position in {@link ERAS}. */
export function eraIndex(exchange: Exchange): number {
  return exchange.session === undefined ? 0 : 1;
}

export function eraOf(exchange: Exchange): Era {
  return ERAS[eraIndex(exchange)];
}

/** The outcome's position in {@link OUTCOMES}. */
export function outcomeIndex(response: JsonRpcResponse | undefined): number {
  if (response === undefined) return 4;
  if ('error' in response) return 3;
  const result = response.result;
  if (result.isError === true) return 1;
  if (result.resultType === 'input_required') return 2;
  return 0;
}

export function outcomeOf(response: JsonRpcResponse | undefined): Outcome {
  return OUTCOMES[outcomeIndex(response)];
}

/** The JSON-RPC error code of a response, if it is an error. */
export function errorCodeOf(response: JsonRpcResponse | undefined): number | undefined {
  return response !== undefined && 'error' in response ? response.error.code : undefined;
}

/** The method as a label: itself when the server knows it, `unknown` otherwise. */
export function methodLabel(server: DispatchingServer, request: JsonRpcRequest): string {
  return server.hasMethod(request.method) ? request.method : UNKNOWN;
}

/** For tools/call: the tool's name when it is registered, `unknown` otherwise; '' for other methods. */
export function toolLabel(server: DispatchingServer, request: JsonRpcRequest): string {
  if (request.method !== 'tools/call') return '';
  const name = request.params?.name;
  return typeof name === 'string' && server.core.tools.get(name) !== undefined ? name : UNKNOWN;
}
