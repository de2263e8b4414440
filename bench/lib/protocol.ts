/**
 * The wire facts every driver and peer shares: protocol versions, the modern per-request
 * `_meta` envelope, and the requests the benchmarks send. Kept in one place so every peer is
 * driven with byte-for-byte the same traffic.
 */

export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSION = '2025-11-25';

/** Which protocol era a peer is driven in: modern is stateless, legacy needs the handshake. */
export type Era = 'modern' | 'legacy';

/** The envelope every modern request carries instead of a handshake (spec 2026-07-28). */
export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
} as const;

export const CLIENT_INFO = { name: 'mcp-core-bench', version: '0.0.0' } as const;

export interface RpcCall {
  method: string;
  params: Record<string, unknown>;
}

/** Adds the modern envelope when the era needs it. */
export function forEra(call: RpcCall, era: Era): RpcCall {
  if (era === 'legacy') return call;
  return { method: call.method, params: { ...call.params, _meta: MODERN_META } };
}

export function echoCall(text: string): RpcCall {
  return { method: 'tools/call', params: { name: 'echo', arguments: { text } } };
}

export function toolsListCall(): RpcCall {
  return { method: 'tools/list', params: {} };
}

export function initializeCall(): RpcCall {
  return { method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: CLIENT_INFO } };
}

export const INITIALIZED_NOTIFICATION = { jsonrpc: '2.0', method: 'notifications/initialized' } as const;

/** A full JSON-RPC request body. */
export function requestBody(id: number, call: RpcCall): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: call.method, params: call.params });
}

/** Headers of a modern Streamable HTTP POST (spec 2026-07-28: the method and name are mirrored in headers). */
export function modernHeaders(call: RpcCall): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': call.method,
  };
  const name = call.params.name;
  if (typeof name === 'string') headers['mcp-name'] = name;
  return headers;
}

/** Headers of a legacy Streamable HTTP POST, inside a session when one is given. */
export function legacyHeaders(sessionId?: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': LEGACY_VERSION,
  };
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  return headers;
}
