/**
 * What the OAuth client's discovery keeps: the protected resource metadata and the
 * authorization server metadata are fetched once for several 401s, not on each, for as long as
 * their Cache-Control allows; a challenge naming another resource_metadata URL is followed; a
 * token endpoint that is gone (404) has them fetched anew; two MCP servers on one origin never
 * share what was found for either; a document that failed its checks is not kept. A real HTTP
 * server on 127.0.0.1 plays the MCP servers and two authorization servers, and counts the
 * requests of each path.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { bodyServer } from '../helpers/auth-requests.ts';

describe('the discovery the OAuth client keeps', () => {
  let stop: () => void;
  let base: string;
  /** Requests per path. */
  let counts: Record<string, number> = {};
  /** Metadata documents per path, and the Cache-Control of each (none when absent). */
  let documents: Record<string, unknown> = {};
  let cacheControl: Record<string, string> = {};
  /** The resource_metadata URL each MCP endpoint's challenge names (none when absent). */
  let challenges: Record<string, string> = {};
  /** Paths that answer 404. */
  let gone = new Set<string>();
  /** The access tokens each MCP endpoint takes; token requests as [endpoint, resource]. */
  const accepted = new Map<string, string>();
  /** When set, the MCP servers take only tokens issued at this token endpoint. */
  let acceptOnlyFrom: string | undefined;
  const issuedAt = new Map<string, string>();
  let issued: Array<[string, string]> = [];

  const prm = (resource: string, issuer: string) => ({ resource, authorization_servers: [issuer] });
  const asm = (issuer: string, token: string) => ({ issuer, token_endpoint: token });

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const path = (req.url ?? '/').split('?')[0];
    counts[path] = (counts[path] ?? 0) + 1;
    if (gone.has(path)) return void res.writeHead(404).end();
    if (path in documents) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (cacheControl[path] !== undefined) headers['cache-control'] = cacheControl[path];
      return void res.writeHead(200, headers).end(JSON.stringify(documents[path]));
    }
    if (path === '/token' || path === '/token2') {
      const resource = new URLSearchParams(body).get('resource') ?? '';
      issued.push([path, resource]);
      const token = `t${issued.length}`;
      accepted.set(token, new URL(resource).pathname);
      issuedAt.set(token, path);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer' }));
    }
    if (!path.endsWith('/mcp')) return void res.writeHead(404).end();
    const token = (req.headers.authorization ?? '').slice('Bearer '.length);
    if (accepted.get(token) !== path || (acceptOnlyFrom !== undefined && issuedAt.get(token) !== acceptOnlyFrom)) {
      const named = challenges[path];
      return void res.writeHead(401, { 'www-authenticate': named === undefined ? 'Bearer' : `Bearer resource_metadata="${named}"` }).end();
    }
    const message = JSON.parse(body) as { id?: number; method: string };
    if (message.id === undefined) return void res.writeHead(202).end();
    if (message.method === 'initialize') {
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'protected', version: '1.0.0' } } }));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { tools: [] } }));
  }

  before(async () => {
    ({ base, stop } = await bodyServer(handle));
  });
  after(() => stop());

  /** One MCP server at /mcp whose challenge names /prm/mcp; its authorization server is the origin. */
  beforeEach(() => {
    counts = {};
    issued = [];
    accepted.clear();
    acceptOnlyFrom = undefined;
    gone = new Set();
    cacheControl = {};
    challenges = { '/mcp': `${base}/prm/mcp` };
    documents = {
      '/prm/mcp': prm(`${base}/mcp`, base),
      '/.well-known/oauth-authorization-server': asm(base, `${base}/token`),
      '/.well-known/oauth-authorization-server/as2': asm(`${base}/as2`, `${base}/token2`),
    };
  });

  // A workload identity needs no client registered, so it is bound to no authorization server.
  const newAuth = () => new OAuthClientAuth({ grant: { type: 'workload_identity', assertion: 'workload-jwt' } });

  async function connect(auth: OAuthClientAuth, path = '/mcp'): Promise<McpClient> {
    const client = new McpClient({ name: 'cache', version: '1.0.0', era: 'legacy' });
    await client.connect(new StreamableHttpClientTransport(`${base}${path}`, { auth, listen: false }));
    return client;
  }

  /** Has the MCP servers refuse every token given so far: each next request meets a 401. */
  const refuseTokens = () => accepted.clear();

  test('regression: several 401s fetch the metadata once, not once each', async () => {
    const client = await connect(newAuth());
    for (let i = 0; i < 3; i++) {
      refuseTokens();
      assert.deepEqual(await client.listTools(), []);
    }
    await client.close();
    assert.equal(issued.length, 4);
    assert.equal(counts['/prm/mcp'], 1);
    assert.equal(counts['/.well-known/oauth-authorization-server'], 1);
  });

  test('Cache-Control: no-store, no-cache or max-age=0 is fetched on each 401; max-age is honoured', async () => {
    for (const [control, fetches] of [['no-store', 4], ['no-cache', 4], ['max-age=0', 4], ['public, max-age=600', 1], ['max-age=junk', 4]] as const) {
      counts = {};
      cacheControl = { '/prm/mcp': control, '/.well-known/oauth-authorization-server': control };
      const client = await connect(newAuth());
      for (let i = 0; i < 3; i++) {
        refuseTokens();
        await client.listTools();
      }
      await client.close();
      assert.equal(counts['/prm/mcp'], fetches, control);
      assert.equal(counts['/.well-known/oauth-authorization-server'], fetches, control);
    }
  });

  test('a challenge naming another resource_metadata URL is followed (the server moved to another authorization server), then kept', async () => {
    const client = await connect(newAuth());
    documents['/prm2/mcp'] = prm(`${base}/mcp`, `${base}/as2`);
    challenges['/mcp'] = `${base}/prm2/mcp`;
    for (let i = 0; i < 2; i++) {
      refuseTokens();
      await client.listTools();
    }
    await client.close();
    assert.equal(counts['/prm/mcp'], 1);
    assert.equal(counts['/prm2/mcp'], 1);
    assert.equal(counts['/.well-known/oauth-authorization-server/as2'], 1);
    assert.deepEqual(issued.map(([endpoint]) => endpoint), ['/token', '/token2', '/token2']);
  });

  test('regression: a server that moved to another authorization server behind the same resource_metadata URL is authorized there, on the same request', async () => {
    const client = await connect(newAuth());
    // SEP-2352: the resource now names another issuer, and takes only its tokens.
    documents['/prm/mcp'] = prm(`${base}/mcp`, `${base}/as2`);
    acceptOnlyFrom = '/token2';
    assert.deepEqual(await client.listTools(), []);
    await client.close();
    // The kept metadata's token, refused; then the metadata anew, and the new server's token.
    assert.deepEqual(issued.map(([endpoint]) => endpoint), ['/token', '/token', '/token2']);
    assert.equal(counts['/prm/mcp'], 2);
  });

  test('a token endpoint that answers 404 has the metadata fetched anew, and the request authorized at the new endpoint', async () => {
    const client = await connect(newAuth());
    gone.add('/token');
    documents['/.well-known/oauth-authorization-server'] = asm(base, `${base}/token2`);
    refuseTokens();
    assert.deepEqual(await client.listTools(), []);
    await client.close();
    assert.equal(counts['/token'], 2);
    assert.equal(counts['/.well-known/oauth-authorization-server'], 2);
    assert.deepEqual(issued.map(([endpoint]) => endpoint), ['/token', '/token2']);
  });

  test('two MCP servers on one origin never get what was found for the other', async () => {
    // Found at their path-aware well-known URLs (no resource_metadata in their challenges).
    documents['/.well-known/oauth-protected-resource/a/mcp'] = prm(`${base}/a/mcp`, base);
    documents['/.well-known/oauth-protected-resource/b/mcp'] = prm(`${base}/b/mcp`, `${base}/as2`);
    const auth = newAuth();
    const a = await connect(auth, '/a/mcp');
    const b = await connect(auth, '/b/mcp');
    for (let i = 0; i < 2; i++) {
      refuseTokens();
      await a.listTools();
      await b.listTools();
    }
    await Promise.all([a.close(), b.close()]);
    assert.equal(counts['/.well-known/oauth-protected-resource/a/mcp'], 1);
    assert.equal(counts['/.well-known/oauth-protected-resource/b/mcp'], 1);
    for (const [endpoint, resource] of issued) assert.equal(endpoint, resource === `${base}/a/mcp` ? '/token' : '/token2', resource);
    assert.deepEqual(new Set(issued.map(([, resource]) => resource)), new Set([`${base}/a/mcp`, `${base}/b/mcp`]));
  });

  test('metadata that failed its checks is not kept: each attempt fetches it again', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/prm/mcp', prm('http://127.0.0.1:1/mcp', base), /names resource .* refusing to authorize/],
      ['/.well-known/oauth-authorization-server', asm(`${base}/other`, `${base}/token`), /names issuer .* not used/],
    ];
    for (const [path, wrong, message] of cases) {
      counts = {};
      const right = documents[path];
      documents[path] = wrong;
      const auth = newAuth();
      for (let i = 0; i < 2; i++) await assert.rejects(connect(auth), { name: 'OAuthError', message }, path);
      documents[path] = right;
      await (await connect(auth)).close();
      assert.equal(counts[path], 3, path);
    }
  });
});
