/** Requests to an MCP endpoint with credentials, for the auth tests. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpClient } from '../../src/client/client.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import type { ResourceServer } from '../../src/security/index.ts';
import { McpServer } from '../../src/server/server.ts';
import type { HttpClientAuth } from '../../src/transport/http/client-auth.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { MODERN_META, post, type RawResponse } from './http.ts';

export function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** A modern request with its headers and `token`. */
export function modern(url: string, token: string | undefined, method: string, params: Record<string, unknown> = {}, id = 1): Promise<RawResponse> {
  const target = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : typeof params.taskId === 'string' ? params.taskId : undefined;
  const meta = { ...MODERN_META, ...(params._meta as Record<string, unknown> | undefined) };
  return post(
    url,
    { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } },
    { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method, ...(target === undefined ? {} : { 'mcp-name': target }), ...bearer(token) },
  );
}

/** A modern tools/call. */
export function call(url: string, token: string | undefined, name: string, args: Record<string, unknown> = {}, id = 1): Promise<RawResponse> {
  return modern(url, token, 'tools/call', { name, arguments: args }, id);
}

/** Opens a legacy session as `token`'s principal; returns its id. */
export async function initialize(url: string, token: string | undefined): Promise<string> {
  const init = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, bearer(token));
  assert.equal(init.status, 200, init.text);
  const id = init.headers.get('mcp-session-id');
  assert.ok(id);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...bearer(token), 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' });
  return id;
}

export function legacyCall(url: string, sessionId: string, token: string | undefined, name: string, args: Record<string, unknown> = {}, id = 1): Promise<RawResponse> {
  return post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, { ...bearer(token), 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
}

/** The text of a tool result. */
export function text(response: RawResponse): string {
  assert.equal(response.status, 200, response.text);
  return response.json.result.content[0].text;
}

/** Writes `config` to a fresh temporary JSON file; returns its path. */
export function configFile(config: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mcp-core-auth-')), 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** The parameters of a `WWW-Authenticate: Bearer ...` challenge. */
export function challenge(value: string | null): Record<string, string> {
  assert.ok(value !== null, 'a WWW-Authenticate header');
  assert.match(value, /^Bearer( |$)/);
  const out: Record<string, string> = {};
  for (const [, name, quoted] of value.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) out[name] = quoted.replace(/\\(.)/g, '$1');
  return out;
}

/** Connects an McpClient to `url` over HTTP with `auth`; resolves with the error it fails with. */
export async function connectError(url: string, auth: HttpClientAuth, era?: 'modern' | 'legacy'): Promise<Error & { code?: string; cause?: unknown }> {
  const client = new McpClient({ name: 'auth-test', version: '1.0.0', era });
  try {
    await client.connect(new StreamableHttpClientTransport(url, { auth, listen: false }));
  } catch (error) {
    return error as Error;
  } finally {
    await client.close();
  }
  assert.fail(`connected to ${url}, which should have refused`);
}

/**
 * An HTTP server on 127.0.0.1 (port 0) that hands each request to `handle` with its whole body,
 * for tests where it plays an MCP server and its authorization server. `stop` ends it.
 */
export async function bodyServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ base: string; stop: () => void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = () => {
    server.closeAllConnections();
    server.close();
  };
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop };
}

/**
 * The MCP endpoint of a test's server behind OAuth at its simplest (2025-11-25, no sessions):
 * 401 with a challenge naming `resourceMetadata` unless the request carries `Bearer <token>`;
 * then initialize answered, and every other request with an empty tools/list result.
 */
export function protectedMcp(req: IncomingMessage, res: ServerResponse, body: string, token: string | undefined, resourceMetadata: string): void {
  if (token === undefined || req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${resourceMetadata}"` }).end();
  const message = JSON.parse(body) as { id?: number; method: string };
  if (message.id === undefined) return void res.writeHead(202).end();
  const result = message.method === 'initialize' ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 's', version: '1' } } : { tools: [] };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
}

/** An MCP server whose `whoami` names the caller, behind `auth`'s edge on 127.0.0.1. */
export async function protect(auth: ResourceServer): Promise<HttpListener> {
  const server = new McpServer({ name: 'protected', version: '1.0.0' });
  server.tool('whoami', { description: 'The caller' }, (_args, ctx) => String(ctx.auth?.subject));
  return serveHttp(server, { port: 0, edge: auth.edge });
}
