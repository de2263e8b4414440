/** Raw HTTP requests to an MCP endpoint, for tests that need to see status codes and headers. */
import { request, type Agent } from 'node:http';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';

export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1.0.0' },
};

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or the JSON-RPC messages of an SSE stream. */
  json: any;
}

/** `signal` closes the request (a caller that leaves). */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<RawResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  return read(response);
}

export async function read(response: Response): Promise<RawResponse> {
  const text = await response.text();
  let json: unknown;
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    json = text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map((line) => JSON.parse(line.slice(6)));
  } else {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A modern tools/call with the headers the spec requires; `signal` closes its request. */
export function callTool(url: string, id: number | string, name: string, args: Record<string, unknown>, extraMeta: Record<string, unknown> = {}, signal?: AbortSignal) {
  return post(
    url,
    { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { ...MODERN_META, ...extraMeta } } },
    { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': name },
    signal,
  );
}

/** Opens a legacy session; returns its id. */
export async function openSession(url: string, version = '2025-11-25'): Promise<string> {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'test', version: '1.0.0' } },
  });
  const sessionId = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sessionId) throw new Error(`initialize failed: ${init.status} ${init.text}`);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': version });
  return sessionId;
}

/**
 * A POST on a fresh connection that is closed after the answer, so that the kernel spreads
 * such requests over the workers of `serve --workers N`. Resolves with the status and JSON body.
 */
export function postFresh(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return postOver(false, url, body, { connection: 'close', ...headers });
}

/**
 * A POST with node:http over `agent`'s connections (false: one of its own). For tests that
 * send thousands: over a kept-alive agent it costs the client a quarter of the CPU fetch does,
 * whose own work otherwise made such a test several times slower on a loaded machine.
 * Resolves with the status and JSON body.
 */
export function postOver(agent: Agent | false, url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return new Promise((resolve, reject) => {
    const headersOut = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers };
    const req = request(url, { method: 'POST', agent, headers: headersOut }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** `calls` calls, 16 at a time; `call(i)` makes the i-th. */
export async function inTurn(calls: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < calls) await call(next++);
  }));
}

/** The JSON-RPC messages of an SSE response, as they come. */
export async function* sseMessages(response: Response): AsyncGenerator<any> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body!) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event.split('\n').filter((line) => line.startsWith('data: ') && line.length > 6);
      if (data.length > 0) yield JSON.parse(data.map((line) => line.slice(6)).join('\n'));
    }
  }
}
