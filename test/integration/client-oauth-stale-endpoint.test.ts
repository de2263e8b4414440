/**
 * Kept metadata naming a token endpoint that fails without an answer of an authorization server
 * (the connection closed or garbage, TLS spoken to a plain HTTP port, a URL fetch refuses, a
 * 431 without an OAuth `error`): the metadata is discovered anew and the step run once more,
 * not failed for as long as the metadata may be kept; an OAuth error answer (`invalid_client`)
 * is the server's word and fetches nothing anew. Found by the OAuth client fuzz target
 * (test/fuzz/client-oauth.test.ts). A real HTTP server on 127.0.0.1 plays the MCP server and
 * its authorization server, and counts the requests of each path.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { bodyServer, connectError, protectedMcp } from '../helpers/auth-requests.ts';

/** How a token endpoint fails. */
type Failure = 'close' | 'garbage' | '431' | 'invalid_client' | 'hang';

const json = (res: ServerResponse, status: number, value: unknown): void =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

describe('kept metadata naming a token endpoint that gives no answer of an authorization server', () => {
  let base: string;
  let stop: () => void;
  /** The token endpoint the authorization server's metadata names now. */
  let tokenEndpoint: string;
  /** Token endpoint paths that fail, and how. */
  let failing = new Map<string, Failure>();
  let counts: Record<string, number> = {};
  let accepted: string | undefined;
  let issued = 0;
  /** The authorization server publishes no metadata (answers 4xx, kept an hour). */
  let noServerMetadata = false;
  /** Token requests left unanswered ('hang'), ended after each test. */
  const hung: ServerResponse[] = [];

  before(async () => {
    ({ base, stop } = await bodyServer((req, res, body) => {
      const path = (req.url ?? '/').split('?')[0];
      counts[path] = (counts[path] ?? 0) + 1;
      // Kept an hour: only a failure has the client read them again.
      const kept = { 'content-type': 'application/json', 'cache-control': 'max-age=3600' };
      if (path === '/prm') return void res.writeHead(200, kept).end(JSON.stringify({ resource: `${base}/mcp`, authorization_servers: [base] }));
      if (path === '/.well-known/oauth-authorization-server' && noServerMetadata) return void res.writeHead(400, { 'cache-control': 'max-age=3600' }).end();
      if (path === '/.well-known/openid-configuration') return void res.writeHead(404, { 'cache-control': 'max-age=3600' }).end();
      if (path === '/.well-known/oauth-authorization-server') {
        const server = { issuer: base, token_endpoint: tokenEndpoint, authorization_endpoint: `${base}/authorize`, code_challenge_methods_supported: ['S256'] };
        return void res.writeHead(200, kept).end(JSON.stringify(server));
      }
      if (path.startsWith('/token')) {
        const failure = failing.get(path);
        if (failure === 'close') return void res.socket?.destroy();
        if (failure === 'garbage') return void res.socket?.end('NOT HTTP AT ALL\r\n\r\n');
        if (failure === '431') return void res.writeHead(431).end();
        if (failure === 'invalid_client') return json(res, 401, { error: 'invalid_client' });
        if (failure === 'hang') return void hung.push(res);
        accepted = `token-${++issued}`;
        return json(res, 200, { access_token: accepted, token_type: 'Bearer', expires_in: 3600 });
      }
      protectedMcp(req, res, body, accepted, `${base}/prm`);
    }));
  });
  after(() => stop());

  afterEach(() => {
    for (const res of hung.splice(0)) res.destroy();
  });

  beforeEach(() => {
    tokenEndpoint = `${base}/token`;
    failing = new Map();
    counts = {};
    accepted = undefined;
    issued = 0;
    noServerMetadata = false;
  });

  const newAuth = () => new OAuthClientAuth({ grant: { type: 'client_credentials' }, client: { clientId: 'c', clientSecret: 's', issuer: base } });

  async function connect(auth: OAuthClientAuth): Promise<McpClient> {
    const client = new McpClient({ name: 't', version: '1', era: 'legacy' });
    await client.connect(new StreamableHttpClientTransport(`${base}/mcp`, { auth, listen: false }));
    return client;
  }

  test('regression: metadata naming a token endpoint that closes, answers garbage or 431, speaks no TLS or has credentials in its URL, once fixed, is used at once (it was kept for its max-age, every connection failing)', async () => {
    const port = new URL(base).port;
    const broken: Array<[string, Failure | undefined]> = [
      [`${base}/token-close`, 'close'],
      [`${base}/token-garbage`, 'garbage'],
      [`${base}/token-431`, '431'],
      [`https://127.0.0.1:${port}/token`, undefined],
      [`http://user:pass@127.0.0.1:${port}/token`, undefined],
    ];
    for (const [endpoint, failure] of broken) {
      counts = {};
      if (failure !== undefined) failing.set(new URL(endpoint).pathname, failure);
      tokenEndpoint = endpoint;
      const auth = newAuth();
      const error = await connectError(`${base}/mcp`, auth, 'legacy');
      assert.equal(error.name, 'OAuthError', endpoint);
      assert.equal((error as { error?: string }).error, undefined, endpoint);
      tokenEndpoint = `${base}/token`;
      await (await connect(auth)).close();
      assert.equal(counts['/.well-known/oauth-authorization-server'], 2, endpoint);
    }
  });

  for (const failure of ['close', 'garbage', '431'] as const) {
    test(`regression: a kept token endpoint that starts failing (${failure}) has the metadata discovered anew and the request authorized on the same call`, async () => {
      tokenEndpoint = `${base}/token-a`;
      const client = await connect(newAuth());
      try {
        failing.set('/token-a', failure);
        tokenEndpoint = `${base}/token`;
        accepted = undefined;
        assert.deepEqual(await client.listTools(), []);
        assert.equal(counts['/token-a'], 2);
        assert.equal(counts['/token'], 1);
        assert.equal(counts['/.well-known/oauth-authorization-server'], 2);
      } finally {
        await client.close();
      }
    });
  }

  test('regression: a kept token endpoint that stops answering (timeout) is forgotten without a second wait: the next call reads the metadata anew (it was kept for its max-age, every call timing out)', async () => {
    const auth = new OAuthClientAuth({ grant: { type: 'client_credentials' }, client: { clientId: 'c', clientSecret: 's', issuer: base }, timeoutMs: 300 });
    tokenEndpoint = `${base}/token-a`;
    const client = await connect(auth);
    try {
      failing.set('/token-a', 'hang');
      tokenEndpoint = `${base}/token`;
      accepted = undefined;
      await assert.rejects(client.listTools(), { name: 'OAuthError', code: 'MCP_ERR_TIMEOUT' });
      // Not run again on fresh metadata: the call waited one timeout, not two.
      assert.equal(counts['/token-a'], 2);
      assert.equal(counts['/token'], undefined);
      assert.deepEqual(await client.listTools(), []);
      assert.equal(counts['/token'], 1);
      assert.equal(counts['/token-a'], 2);
      assert.equal(counts['/.well-known/oauth-authorization-server'], 2);
    } finally {
      await client.close();
    }
  });

  test('the step runs once more at most: metadata that still names the failing endpoint fails the call after two token requests, and is not kept', async () => {
    const client = await connect(newAuth());
    try {
      failing.set('/token', 'garbage');
      accepted = undefined;
      await assert.rejects(client.listTools(), { name: 'OAuthError' });
      assert.equal(counts['/token'], 3);
      assert.equal(counts['/.well-known/oauth-authorization-server'], 2);
      // Nor is the metadata the second run failed on kept: the next call discovers anew, once.
      await assert.rejects(client.listTools(), { name: 'OAuthError' });
      assert.equal(counts['/token'], 4);
      assert.equal(counts['/.well-known/oauth-authorization-server'], 3);
    } finally {
      await client.close();
    }
  });

  test('a sign-in on metadata discovered anew (kept metadata is, before one) whose token request fails is not run again: the user signs in once for it', async () => {
    let signIns = 0;
    const authorizer = {
      redirectUri: () => 'http://127.0.0.1:1/callback',
      authorize: async (url: URL) => {
        signIns++;
        return new URL(`http://127.0.0.1:1/callback?code=code-${signIns}&state=${url.searchParams.get('state')}`);
      },
    };
    const auth = new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer }, client: { clientId: 'c', clientSecret: 's', issuer: base } });
    const client = await connect(auth);
    try {
      assert.equal(signIns, 1);
      failing.set('/token', 'garbage');
      accepted = undefined;
      await assert.rejects(client.listTools(), { name: 'OAuthError' });
      assert.equal(signIns, 2);
      assert.equal(counts['/token'], 2);
    } finally {
      await client.close();
    }
  });

  test('regression: an authorization server that published no metadata (4xx answers with a max-age) is asked again once it does (the answers were kept, every connection failing)', async () => {
    noServerMetadata = true;
    const auth = newAuth();
    const error = await connectError(`${base}/mcp`, auth, 'legacy');
    assert.match(error.message, /No authorization server metadata/);
    noServerMetadata = false;
    await (await connect(auth)).close();
    assert.equal(counts['/.well-known/oauth-authorization-server'], 2);
  });

  test('an OAuth error answer (invalid_client) fetches no metadata anew and runs nothing again', async () => {
    const client = await connect(newAuth());
    try {
      failing.set('/token', 'invalid_client');
      accepted = undefined;
      await assert.rejects(client.listTools(), { name: 'OAuthError', error: 'invalid_client' });
      assert.equal(counts['/token'], 2);
      assert.equal(counts['/prm'], 1);
      assert.equal(counts['/.well-known/oauth-authorization-server'], 1);
    } finally {
      await client.close();
    }
    const auth = newAuth();
    for (let i = 0; i < 2; i++) assert.equal(((await connectError(`${base}/mcp`, auth, 'legacy')) as { error?: string }).error, 'invalid_client');
    assert.equal(counts['/.well-known/oauth-authorization-server'], 2);
    assert.equal(counts['/token'], 4);
  });
});
