/**
 * The OAuth client against a hostile MCP server and authorization server: real HTTP servers on
 * 127.0.0.1 that answer what an attacker would (every token refused, endpoints that are not
 * URLs or not HTTPS, redirects, issuers and resources that do not match, no PKCE, mistyped
 * token answers), and requests from elsewhere to the loopback listener of a sign-in. Bodies
 * that are huge, endless or compressed: client-oauth-bounds.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { validateCallback } from '../../src/client/auth/authorization-code.ts';
import { LoopbackAuthorizer } from '../../src/client/auth/loopback-authorizer.ts';
import { OAuthClientAuth, type Grant } from '../../src/client/auth/oauth-client-auth.ts';
import type { AuthorizationServerMetadata } from '../../src/client/auth/metadata.ts';
import { requestToken } from '../../src/client/auth/token-endpoint.ts';
import { parseWwwAuthenticate } from '../../src/client/auth/www-authenticate.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { connectError as connectFailure } from '../helpers/auth-requests.ts';

const json = (res: ServerResponse, value: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));

describe('a hostile MCP server and its authorization server', () => {
  let server: Server;
  let base: string;
  /** Requests per path since the last `serve`. */
  let counts: Record<string, number> = {};
  let handle: (req: IncomingMessage, res: ServerResponse) => void = () => {};

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      const path = (req.url ?? '/').split('?')[0];
      counts[path] = (counts[path] ?? 0) + 1;
      handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /**
   * An MCP server at /mcp that refuses every request (401), whatever token it carries; its
   * metadata and its authorization server's, each replaceable by what a test gives.
   */
  function serve(documents: { resource?: unknown; server?: unknown; redirect?: string; challenge?: string } = {}): void {
    counts = {};
    handle = (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === documents.redirect) return void res.writeHead(302, { location: `${base}/elsewhere` }).end();
      if (path === '/mcp') return void res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${documents.challenge ?? `${base}/prm`}"` }).end();
      if (path === '/prm') return json(res, documents.resource ?? { resource: `${base}/mcp`, authorization_servers: [base] });
      if (path === '/.well-known/oauth-authorization-server') {
        return json(res, documents.server ?? { issuer: base, token_endpoint: `${base}/token`, authorization_endpoint: `${base}/authorize`, code_challenge_methods_supported: ['S256'] });
      }
      if (path === '/token') return json(res, { access_token: `refused-${counts[path]}`, token_type: 'Bearer', expires_in: 3600 });
      res.writeHead(404).end();
    };
  }

  /** Connects with `grant` (client credentials by default); resolves with the error. */
  function connectError(grant: Grant = { type: 'client_credentials' }): Promise<Error & { code?: string }> {
    return connectFailure(`${base}/mcp`, new OAuthClientAuth({ grant, client: { clientId: 'c', clientSecret: 's' } }));
  }

  test('regression: a server that refuses every token gets one grant per request, not three', async () => {
    serve();
    const error = await connectError();
    assert.equal(error.name, 'OAuthError');
    assert.equal(error.code, 'MCP_ERR_UNAUTHORIZED');
    assert.match(error.message, /refused the token .* just issued/);
    assert.doesNotMatch(error.message, /refused-1/);
    assert.equal(counts['/token'], 1);
    assert.equal(counts['/mcp'], 2);

    // A user signing in: once, not once per round.
    let signIns = 0;
    const authorizer = { redirectUri: () => 'http://127.0.0.1:1/callback', authorize: async (url: URL) => {
      signIns++;
      return new URL(`http://127.0.0.1:1/callback?code=c&state=${url.searchParams.get('state')}`);
    } };
    serve();
    assert.equal((await connectError({ type: 'authorization_code', authorizer })).name, 'OAuthError');
    assert.equal(signIns, 1);
  });

  test('regression: an authorization server or endpoint that is not a URL is refused as an OAuthError, not a connection failure', async () => {
    serve({ resource: { resource: `${base}/mcp`, authorization_servers: ['not a url'] } });
    const error = await connectError();
    assert.equal(error.name, 'OAuthError');
    assert.match(error.message, /"not a url" is not a URL/);
    for (const field of ['token_endpoint', 'authorization_endpoint', 'registration_endpoint']) {
      serve({ server: { issuer: base, token_endpoint: `${base}/token`, [field]: 'http://[oops' } });
      const refused = await connectError();
      assert.equal(refused.name, 'OAuthError', field);
      assert.match(refused.message, /"http:\/\/\[oops" is not a URL/, field);
    }
  });

  test('regression: a challenge naming a resource_metadata URL in plain HTTP off loopback, on another origin, is refused before it is fetched', async () => {
    // Fetched, the metadata could be forged by whoever is on the path, and name an authorization
    // server of theirs. Nothing listens there: a fetch would fail as a connection error instead.
    serve({ challenge: 'http://192.0.2.1/prm' });
    const error = await connectError();
    assert.equal(error.name, 'OAuthError');
    assert.match(error.message, /resource_metadata URL that is not HTTPS, off loopback and on another origin: "http:\/\/192\.0\.2\.1\/prm"/);
    assert.equal(counts['/token'], undefined);
  });

  test('regression: a redirect of a metadata or token request is not followed, and is an OAuthError naming it', async () => {
    for (const path of ['/prm', '/.well-known/oauth-authorization-server', '/token']) {
      serve({ redirect: path });
      const error = await connectError();
      assert.equal(error.name, 'OAuthError', path);
      assert.match(error.message, /HTTP 302/, path);
      assert.equal(counts['/elsewhere'], undefined, path);
    }
  });

  test('endpoints that are not HTTPS (file:, javascript:, data:, plain HTTP off loopback), another issuer, another resource or no PKCE S256 are refused before any token request', async () => {
    const cases: Array<[string, { resource?: unknown; server?: unknown }, RegExp]> = [
      ['file: token endpoint', { server: { issuer: base, token_endpoint: 'file:///etc/passwd' } }, /"file:\/\/\/etc\/passwd" is not HTTPS/],
      ['javascript: authorization endpoint', { server: { issuer: base, token_endpoint: `${base}/token`, authorization_endpoint: 'javascript:alert(1)' } }, /is not HTTPS/],
      ['data: registration endpoint', { server: { issuer: base, token_endpoint: `${base}/token`, registration_endpoint: 'data:,x' } }, /is not HTTPS/],
      ['plain HTTP issuer off loopback', { resource: { resource: `${base}/mcp`, authorization_servers: ['http://as.example'] } }, /"http:\/\/as.example" is not HTTPS/],
      ['an issuer other than the URL it was fetched for (RFC 8414 Section 3.3)', { server: { issuer: `${base}/`, token_endpoint: `${base}/token` } }, /names issuer .* not used/],
      ['a resource other than the server (RFC 9728 Section 3.3)', { resource: { resource: 'http://127.0.0.1:1/mcp', authorization_servers: [base] } }, /names resource .* refusing to authorize/],
      ['an issuer of the wrong type', { server: { issuer: { toString: 1 }, token_endpoint: `${base}/token` } }, /has no "issuer"/],
      ['authorization servers of the wrong type', { resource: { resource: `${base}/mcp`, authorization_servers: [{ toString: 1 }] } }, /lists no "authorization_servers"/],
    ];
    for (const [what, documents, message] of cases) {
      serve(documents);
      const error = await connectError();
      assert.equal(error.name, 'OAuthError', what);
      assert.match(error.message, message, what);
      assert.equal(counts['/token'], undefined, what);
    }
    // PKCE: metadata without S256 is refused before the user is sent anywhere (2026-07-28 authorization).
    let signIns = 0;
    const authorizer = { redirectUri: () => 'http://127.0.0.1:1/callback', authorize: async () => { signIns++; return new URL('http://127.0.0.1:1/callback'); } };
    for (const methods of [undefined, ['plain'], 'S256']) {
      serve({ server: { issuer: base, token_endpoint: `${base}/token`, authorization_endpoint: `${base}/authorize`, registration_endpoint: `${base}/register`, code_challenge_methods_supported: methods } });
      const error = await connectError({ type: 'authorization_code', authorizer });
      assert.match(error.message, /does not advertise PKCE S256 support/, String(methods));
    }
    assert.equal(signIns, 0);
  });

  test('a token answer of the wrong types: no access_token string is refused; a mistyped expires_in or scope is ignored', async () => {
    const metadata = { issuer: base, token_endpoint: `${base}/token` } as AuthorizationServerMetadata;
    const params = { grant_type: 'client_credentials' };
    let answer: unknown;
    counts = {};
    handle = (_req, res) => json(res, answer);
    for (const wrong of [{ access_token: { toString: 1 }, token_type: 'Bearer' }, { access_token: ['a'], token_type: 'Bearer' }, { token_type: 'Bearer' }, [], 'a']) {
      answer = wrong;
      await assert.rejects(requestToken({ fetch, server: metadata, params }), { name: 'OAuthError', message: 'The token endpoint answered without an access_token' });
    }
    answer = { access_token: 'a', token_type: { toString: 1 } };
    await assert.rejects(requestToken({ fetch, server: metadata, params }), { name: 'OAuthError', message: /unsupported token_type \(none\)/ });
    for (const [i, expires] of ['3600', -1, null, { toString: 1 }, [1]].entries()) {
      answer = { access_token: 'a', token_type: 'Bearer', expires_in: expires, scope: ['a', 'b'] };
      const tokens = await requestToken({ fetch, server: metadata, params });
      assert.equal(tokens.expiresAt, undefined, `case ${i}`);
      assert.equal(tokens.scope, undefined);
    }
    // JSON nested deeply is read (JSON.parse does not recurse) and refused for what it lacks.
    answer = undefined;
    handle = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    await assert.rejects(requestToken({ fetch, server: metadata, params }), { name: 'OAuthError', message: 'The token endpoint answered without an access_token' });
  });

  test('regression: an expires_in past what a number holds once in milliseconds (1e306 s) is no expiry, not Infinity (a token file wrote it as null: expired, refreshed on every request)', async () => {
    const metadata = { issuer: base, token_endpoint: `${base}/token` } as AuthorizationServerMetadata;
    handle = (_req, res) => json(res, { access_token: 'a', token_type: 'Bearer', expires_in: 1e306 });
    assert.equal((await requestToken({ fetch, server: metadata, params: { grant_type: 'client_credentials' } })).expiresAt, undefined);
  });

  test('regression: a server asking for a new scope on every 403 gets one step-up per request and 100 scope sets in all, not three per request without end', async () => {
    counts = {};
    let asked = 0;
    let longestScope = 0;
    handle = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/prm') return json(res, { resource: `${base}/mcp`, authorization_servers: [base] });
        if (path === '/.well-known/oauth-authorization-server') return json(res, { issuer: base, token_endpoint: `${base}/token` });
        if (path === '/token') {
          longestScope = Math.max(longestScope, new URLSearchParams(body).get('scope')?.length ?? 0);
          return json(res, { access_token: `t${counts[path]}`, token_type: 'Bearer' });
        }
        if (req.headers.authorization === undefined) return void res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${base}/prm"` }).end();
        const message = JSON.parse(body) as { id?: number; method: string };
        if (message.method === 'initialize') {
          return json(res, { jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1.0.0' } } });
        }
        if (message.id === undefined) return void res.writeHead(202).end();
        asked++;
        res.writeHead(403, { 'www-authenticate': `Bearer error="insufficient_scope", scope="scope-${asked}"` }).end();
      });
    };
    const auth = new OAuthClientAuth({ grant: { type: 'client_credentials' }, client: { clientId: 'c', clientSecret: 's' } });
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy' });
    await client.connect(new StreamableHttpClientTransport(`${base}/mcp`, { auth, listen: false }));
    try {
      for (let i = 0; i < 120; i++) await assert.rejects(client.listTools(), { code: 'MCP_ERR_UNAUTHORIZED' });
    } finally {
      await client.close();
    }
    // The first token, then one step-up for each of the first 100 requests; the rest none.
    assert.equal(counts['/token'], 1 + 100);
    assert.equal(asked, 2 * 100 + 20);
    assert.ok(longestScope < 100 * 'scope-100 '.length, `${longestScope} characters of scope`);
  });
});

describe('WWW-Authenticate from a hostile server', () => {
  test('huge, malformed, unterminated or with many parameters: parsed without throwing, in one pass', () => {
    const quote = `Bearer resource_metadata="${'a'.repeat(1_000_000)}`;
    assert.equal(parseWwwAuthenticate(quote)[0].params.resource_metadata.length, 1_000_000);
    const many = `Bearer ${Array.from({ length: 100_000 }, (_, i) => `p${i}=v`).join(', ')}`;
    assert.equal(Object.keys(parseWwwAuthenticate(many)[0].params).length, 100_000);
    for (const garbage of ['=', '"', '\\', '= = =', 'Bearer ="x"', 'Bearer a==b', `${'='.repeat(100_000)}`, `${'"\\'.repeat(100_000)}`, `${', '.repeat(100_000)}`, `Bearer ${'a '.repeat(100_000)}`]) {
      assert.doesNotThrow(() => parseWwwAuthenticate(garbage));
    }
    // A parameter named after an Object.prototype member is the server's string, not inherited.
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x", constructor="y"');
    assert.equal(challenge.params.constructor, 'y');
    assert.equal(Object.getPrototypeOf(challenge.params), Object.prototype);
  });
});

describe('the loopback listener of a sign-in', () => {
  /** An authorization URL carrying the listener's redirect URI and a state, as the grant builds it. */
  const authorizationUrl = (redirectUri: string): URL => new URL(`https://as.example/authorize?state=expected&redirect_uri=${encodeURIComponent(redirectUri)}`);

  test('regression: a redirect with another state (a forged request from elsewhere) is refused with 400 and no longer ends the sign-in', async () => {
    const statuses: number[] = [];
    const authorizer = new LoopbackAuthorizer({
      open: async (url) => {
        const callback = url.searchParams.get('redirect_uri')!;
        // Others on the machine (or a web page in the user's browser) get there first, many times.
        const forged = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${callback}?state=forged${i}&code=evil`)));
        for (const response of forged) statuses.push(response.status);
        statuses.push((await fetch(`${callback}?code=evil`)).status);
        statuses.push((await fetch(new URL('/elsewhere?state=expected&code=evil', callback))).status);
        statuses.push((await fetch(`${callback}?state=expected&code=${'x'.repeat(64 * 1024)}`)).status);
        // Then the authorization server's redirect.
        statuses.push((await fetch(`${callback}?state=expected&code=good`)).status);
      },
    });
    const received = await authorizer.authorize(authorizationUrl(await authorizer.redirectUri()));
    assert.equal(received.searchParams.get('code'), 'good');
    assert.deepEqual(statuses, [...Array(51).fill(400), 404, 431, 200]);
  });

  test('regression: an open callback slower than the timeout leaves no unhandled rejection', async () => {
    const authorizer = new LoopbackAuthorizer({ timeoutMs: 1, open: () => new Promise((resolve) => setTimeout(resolve, 200)) });
    await assert.rejects(authorizer.authorize(authorizationUrl(await authorizer.redirectUri())), { name: 'OAuthError', message: 'Timed out waiting for the authorization redirect' });
  });

  test('a redirect back with the right state but no code, or with an error, fails the sign-in clearly', () => {
    const expected = { state: 'expected', expectedIssuer: 'https://as.example', issRequired: false };
    assert.throws(() => validateCallback(new URL('http://127.0.0.1/callback?state=expected'), expected), { name: 'OAuthError', message: 'The authorization response has no code' });
    assert.throws(() => validateCallback(new URL('http://127.0.0.1/callback?state=expected&code='), expected), { message: 'The authorization response has no code' });
    assert.throws(() => validateCallback(new URL('http://127.0.0.1/callback?state=expected&error=access_denied'), expected), { error: 'access_denied' });
  });
});
