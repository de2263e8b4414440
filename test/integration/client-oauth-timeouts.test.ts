/**
 * Requests of the OAuth client that get no answer, or only part of one: metadata, registration
 * and token requests that time out (nothing answered, or headers and then nothing), an
 * authorization server out of reach, a connection cut. Each fails as an OAuthError naming the
 * endpoint (origin and path only) and, for a timeout, the time it waited, with the failure it
 * wraps as its cause and the code a retry policy knows; a refresh that got no answer keeps the
 * tokens. A real HTTP server on 127.0.0.1 plays the MCP server and its authorization server.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { OAuthClientAuth, type Grant } from '../../src/client/auth/oauth-client-auth.ts';
import { MemoryTokenStore } from '../../src/client/auth/token-store.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { bodyServer, connectError as connectFailure } from '../helpers/auth-requests.ts';

/**
 * The client's timeout of each request. It bounds the answered requests of a case too (discovery,
 * the grant, the refreshes after it), served by this process: on a loaded machine its event loop
 * stalls for a few hundred milliseconds now and then (timers seen 440 ms late, an answered request
 * taking 280 ms), which a bound of 200 ms turned into timeouts of requests that were answered.
 */
const TIMEOUT_MS = 1000;
/** The timeout as error messages show it. */
const SHOWN_TIMEOUT = '1 s';

const json = (res: ServerResponse, value: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));

/** What a path does instead of answering. */
type Fault = 'hang' | 'trickle' | 'cut';

describe('authorization requests that get no answer', () => {
  let stop: () => void;
  let base: string;
  /** A port nothing listens on. */
  let closedPort: number;
  let faults: Record<string, Fault> = {};
  let issuer = '';
  /** Token requests by grant type; the access tokens the MCP server takes. */
  let grants: string[] = [];
  /** Requests for the authorization server's metadata. */
  let counts = 0;
  const accepted = new Set<string>();
  /** Answers left hanging, ended after each test. */
  const hanging: ServerResponse[] = [];

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const path = (req.url ?? '/').split('?')[0];
    const grant = path === '/token' ? (new URLSearchParams(body).get('grant_type') ?? '') : '';
    if (path === '/token') grants.push(grant);
    // A fault of a path, or of one grant at the token endpoint ('/token refresh_token').
    const fault = faults[path] ?? faults[`${path} ${grant}`];
    if (path === '/.well-known/oauth-authorization-server') counts++;
    if (fault === 'cut') return void req.socket.destroy();
    if (fault !== undefined) {
      hanging.push(res);
      if (fault === 'trickle') res.writeHead(200, { 'content-type': 'application/json' }).write('{"issuer":');
      return;
    }
    if (path === '/prm') return json(res, { resource: `${base}/mcp`, authorization_servers: [issuer] });
    if (path === '/.well-known/oauth-authorization-server') {
      // The token endpoint's query is no one's business but the server's: it stays out of messages.
      return json(res, {
        issuer,
        token_endpoint: `${base}/token?secret=s3cr3t`,
        authorization_endpoint: `${base}/authorize`,
        registration_endpoint: `${base}/register`,
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (path === '/token') {
      const token = `t${grants.length}`;
      accepted.add(token);
      // Expired at once for the client (under its 5 s margin): the next request refreshes it.
      return json(res, { access_token: token, token_type: 'Bearer', expires_in: 1, refresh_token: `r${grants.length}` });
    }
    if (path !== '/mcp') return void res.writeHead(404).end();
    if (!accepted.has((req.headers.authorization ?? '').slice('Bearer '.length))) {
      return void res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${base}/prm"` }).end();
    }
    const message = JSON.parse(body) as { id?: number; method: string };
    if (message.id === undefined) return void res.writeHead(202).end();
    if (message.method === 'initialize') {
      return json(res, { jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'protected', version: '1.0.0' } } });
    }
    json(res, { jsonrpc: '2.0', id: message.id, result: { tools: [] } });
  }

  before(async () => {
    ({ base, stop } = await bodyServer(handle));
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
  });
  afterEach(() => {
    for (const res of hanging.splice(0)) res.destroy();
    faults = {};
    grants = [];
    accepted.clear();
  });
  after(() => stop());

  /** Connects with `auth`; resolves with the error it fails with. */
  const connectError = (auth: OAuthClientAuth) => connectFailure(`${base}/mcp`, auth, 'legacy');

  const clientCredentials = (store = new MemoryTokenStore()) =>
    new OAuthClientAuth({ grant: { type: 'client_credentials' }, client: { clientId: 'c', clientSecret: 's' }, store, timeoutMs: TIMEOUT_MS });

  test('regression: a metadata, registration or token request that times out is an OAuthError naming its endpoint and the timeout, not a bare TimeoutError', async () => {
    // The user is never sent anywhere: registration comes first.
    const authorizer = { redirectUri: () => 'http://127.0.0.1:1/callback', authorize: async () => assert.fail('sent to sign in') };
    const signIn = new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer } as Grant, timeoutMs: TIMEOUT_MS });
    const cases: Array<[string, Fault, OAuthClientAuth, string]> = [
      ['/prm', 'hang', clientCredentials(), `Metadata request to ${base}/prm timed out after ${SHOWN_TIMEOUT}`],
      ['/.well-known/oauth-authorization-server', 'trickle', clientCredentials(), `Metadata request to ${base}/.well-known/oauth-authorization-server timed out after ${SHOWN_TIMEOUT}`],
      ['/token', 'hang', clientCredentials(), `Token request ("client_credentials") to ${base}/token timed out after ${SHOWN_TIMEOUT}`],
      ['/register', 'trickle', signIn, `Client registration to ${base}/register timed out after ${SHOWN_TIMEOUT}`],
    ];
    for (const [path, fault, auth, message] of cases) {
      issuer = base;
      faults = { [path]: fault };
      const error = await connectError(auth);
      assert.equal(error.name, 'OAuthError', path);
      assert.equal(error.message, message, path);
      assert.equal(error.code, 'MCP_ERR_TIMEOUT', path);
      assert.equal((error.cause as Error).name, 'TimeoutError', path);
      for (const res of hanging.splice(0)) res.destroy();
    }
  });

  test('regression: an authorization request that times out while a client (era auto) probes for the revision fails the connection, not a fallback to initialize that waits as long again', async () => {
    issuer = base;
    faults = { '/.well-known/oauth-authorization-server': 'hang' };
    counts = 0;
    const error = await connectFailure(`${base}/mcp`, clientCredentials());
    assert.equal(error.name, 'OAuthError');
    assert.equal(error.code, 'MCP_ERR_TIMEOUT');
    assert.equal(counts, 1);
  });

  test('an authorization server out of reach, or a connection cut, is an OAuthError naming the endpoint, with the code of the failure', async () => {
    issuer = `http://127.0.0.1:${closedPort}`;
    const unreachable = await connectError(clientCredentials());
    assert.equal(unreachable.name, 'OAuthError');
    assert.equal(unreachable.message, `Metadata request to ${issuer}/.well-known/oauth-authorization-server could not reach the server (ECONNREFUSED)`);
    assert.equal(unreachable.code, 'MCP_ERR_UNREACHABLE');

    issuer = base;
    faults = { '/token': 'cut' };
    const cut = await connectError(clientCredentials());
    assert.equal(cut.name, 'OAuthError');
    assert.match(cut.message, new RegExp(`^Token request \\("client_credentials"\\) to ${base}/token failed \\(\\w+\\)$`));
    assert.equal(cut.code, 'MCP_ERR_CONNECTION_CLOSED');
    assert.doesNotMatch(cut.message, /s3cr3t/);
  });

  test('a refresh that times out keeps the tokens: the next request refreshes them instead of running the grant again', async () => {
    issuer = base;
    const store = new MemoryTokenStore();
    const auth = clientCredentials(store);
    // The grant's token is expired for the client at once: the retry of initialize refreshes it.
    faults = { '/token refresh_token': 'hang' };
    const error = await connectError(auth);
    assert.equal(error.message, `Token request ("refresh_token") to ${base}/token timed out after ${SHOWN_TIMEOUT}`);
    assert.equal(error.code, 'MCP_ERR_TIMEOUT');
    assert.equal((await store.getTokens(`${base}/mcp`))?.refreshToken, 'r1');

    faults = {};
    const client = new McpClient({ name: 'timeouts', version: '1.0.0', era: 'legacy' });
    await client.connect(new StreamableHttpClientTransport(`${base}/mcp`, { auth, listen: false }));
    assert.deepEqual(await client.listTools(), []);
    await client.close();
    assert.equal(grants.filter((grant) => grant === 'client_credentials').length, 1, grants.join());
    assert.ok(grants.filter((grant) => grant === 'refresh_token').length >= 2, grants.join());
  });
});
