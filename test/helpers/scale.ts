/**
 * Several `mcp-core serve` processes sharing one real redis-server, as replicas behind a load
 * balancer: the test spreads its requests over them itself (round-robin).
 */
import { join } from 'node:path';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { MODERN_META, post, read, type RawResponse } from './http.ts';
import { ROOT, startUrlServer, type RunningServer } from './processes.ts';
import { SseReader } from './sse-reader.ts';

export const SCALE_SERVER = join(ROOT, 'test/fixtures/scale-server.ts');
export const LEGACY = '2025-11-25';
export const TASKS_CAPABILITIES = { extensions: { 'io.modelcontextprotocol/tasks': {} } };

/** Starts `count` scale-server fixtures on the Redis at `url`, with `env` on top. */
export function startReplicas(count: number, url: string, env: Record<string, string> = {}): Promise<RunningServer[]> {
  const environment = { ...process.env, MCP__STORE__REDIS__URL: url, ...env };
  return Promise.all(Array.from({ length: count }, () => startUrlServer(process.execPath, [SCALE_SERVER], 'SIGTERM', environment)));
}

/** A modern request with its headers and `_meta`, `capabilities` as the client's. */
export function modern(url: string, id: number, method: string, params: Record<string, unknown>, capabilities: Record<string, unknown> = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method };
  const name = params.name ?? params.uri ?? params.taskId;
  if (typeof name === 'string') headers['mcp-name'] = name;
  const meta = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': capabilities };
  return post(url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } }, headers);
}

export function sessionHeaders(sessionId: string): Record<string, string> {
  return { 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY };
}

/** Opens a legacy session declaring `capabilities`; returns its id. */
export async function openLegacySession(url: string, capabilities: Record<string, unknown> = {}): Promise<string> {
  const init = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LEGACY, capabilities, clientInfo: { name: 'scale-test', version: '1.0.0' } } });
  const sessionId = init.headers.get('mcp-session-id');
  if (init.status !== 200 || sessionId === null) throw new Error(`initialize failed: ${init.status} ${init.text}`);
  const initialized = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders(sessionId));
  if (initialized.status !== 202) throw new Error(`notifications/initialized: ${initialized.status} ${initialized.text}`);
  return sessionId;
}

/** A request in a legacy session. */
export function inSession(url: string, sessionId: string, id: number, method: string, params: Record<string, unknown> = {}): Promise<RawResponse> {
  return post(url, { jsonrpc: '2.0', id, method, params }, sessionHeaders(sessionId));
}

/** A request in a legacy session whose answer is read event by event (an SSE stream). */
export async function streaming(url: string, sessionId: string, body: Record<string, unknown>): Promise<SseReader> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...sessionHeaders(sessionId) },
    body: JSON.stringify(body),
  });
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) throw new Error(`not a stream: ${response.status} ${(await read(response)).text}`);
  return new SseReader(response);
}

/** GET with Last-Event-ID: the stream resumed, read event by event. */
export async function resume(url: string, sessionId: string, lastEventId: string): Promise<SseReader> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...sessionHeaders(sessionId) } });
  if (response.status !== 200) throw new Error(`resume: ${response.status} ${await response.text()}`);
  return new SseReader(response);
}

/** Polls `check` until it returns a value (not undefined), at most `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
