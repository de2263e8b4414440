/**
 * The OAuth client end to end against `mcp-core serve` as a real process, configured as an
 * OAuth resource server (`auth.mode: jwt`, the key set served by the test's authorization
 * server): the client is refused (401), finds the authorization server through the protected
 * resource metadata the challenge names, registers, signs in through the loopback redirect,
 * calls a tool, refreshes its token when it expires, and steps up when a tool needs a scope
 * its token lacks (403 insufficient_scope); in both eras. The same sign-in for a WebSocket
 * upgrade, and the gateway reaching the server as an upstream with client credentials.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LoopbackAuthorizer } from '../../src/client/auth/loopback-authorizer.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';
import { TestOAuthServer } from '../fixtures/oauth-server.ts';
import { configFile } from '../helpers/auth-requests.ts';
import { textOf } from '../helpers/gateway.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

/** The user's browser: follows the authorization server's redirects to the loopback listener. */
const browser = async (url: URL): Promise<void> => {
  const response = await fetch(url);
  await response.text();
};

const text = (result: { content: unknown }) => (result.content as Array<{ text: string }>)[0].text;

describe('OAuth client against mcp-core serve with JWT auth', () => {
  let as: TestOAuthServer;
  let served: Served;

  before(async () => {
    as = await new TestOAuthServer().start();
    const config = {
      auth: {
        mode: 'jwt',
        jwt: { issuer: as.issuer, jwksUrl: `${as.issuer}/jwks` },
        scopesSupported: ['tools:call'],
        requiredScopes: ['tools:call'],
        // whoami needs more than every request does: the client steps up to call it.
        toolScopes: { whoami: ['profile'] },
      },
      websocket: { enabled: true },
    };
    served = await startServe(['--config', configFile(config), '--http', '127.0.0.1:0']);
  });

  after(async () => {
    await stopServe(served);
    await as.close();
  });

  test('an unauthenticated request is refused with a challenge naming the protected resource metadata', async () => {
    const response = await fetch(served.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    assert.equal(response.status, 401);
    await response.text();
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
    assert.ok(metadataUrl !== undefined, 'the challenge names the metadata');
    const metadata = (await (await fetch(metadataUrl)).json()) as { resource: string; authorization_servers: string[] };
    assert.equal(metadata.resource, served.url);
    assert.deepEqual(metadata.authorization_servers, [as.issuer]);
  });

  for (const era of ['modern', 'legacy'] as const) {
    test(`${era}: discovers, registers, signs in, calls a tool, refreshes an expiring token, and steps up`, async () => {
      // The client's OAuth requests, in order (discovery, registration, tokens).
      const fetched: string[] = [];
      const recording: typeof fetch = (input, init) => {
        fetched.push(new URL(input instanceof Request ? input.url : input).pathname);
        return fetch(input, init);
      };
      const auth = new OAuthClientAuth({
        grant: { type: 'authorization_code', authorizer: new LoopbackAuthorizer({ open: browser }) },
        clientMetadata: { client_name: `serve-e2e-${era}` },
        fetch: recording,
      });
      const before = as.requests.length;
      const tokensBefore = as.grantTypes('/token').length;
      // Under the client's 5 s margin: the first token is refreshed before its next use.
      as.expiresIn = 4;
      const client = new McpClient({ name: 'serve-e2e', version: '1.0.0', era });
      try {
        await client.connect(new StreamableHttpClientTransport(served.url, { auth, listen: false }));
        as.expiresIn = 3600;
        assert.equal(text(await client.callTool('echo', { text: 'hello' })), 'hello');
        // 401 -> the protected resource metadata of serve (the URL its challenge named) -> the
        // authorization server's metadata -> registration -> sign-in -> token.
        assert.deepEqual(fetched.slice(0, 4), ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server', '/register', '/token']);
        const authorize = as.requests.slice(before).find((request) => request.path === '/authorize')!;
        assert.equal(authorize.params.resource, served.url);
        assert.equal(authorize.params.scope, 'tools:call offline_access');
        assert.equal(authorize.params.code_challenge_method, 'S256');
        // Each token issued during connect expired at once for the client: refreshed, never signed in again.
        const [signIn, ...refreshes] = as.grantTypes('/token').slice(tokensBefore);
        assert.equal(signIn, 'authorization_code');
        assert.ok(refreshes.length >= 1 && refreshes.every((grant) => grant === 'refresh_token'), refreshes.join());

        // whoami needs `profile`: 403 insufficient_scope, the client signs in again asking for
        // the union of its scopes and the challenge's, and the call goes through.
        const codes = as.grantTypes('/token').filter((grant) => grant === 'authorization_code').length;
        assert.equal(text(await client.callTool('whoami')), 'test-user');
        assert.equal(as.grantTypes('/token').filter((grant) => grant === 'authorization_code').length, codes + 1, 'one step-up');
        const stepUp = as.requests.filter((request) => request.path === '/authorize').at(-1)!;
        assert.deepEqual(stepUp.params.scope.split(' ').sort(), ['offline_access', 'profile', 'tools:call']);
        assert.equal(text(await client.callTool('echo', { text: 'still' })), 'still');
      } finally {
        as.expiresIn = 3600;
        await client.close();
      }
    });
  }

  for (const era of ['modern', 'legacy'] as const) {
    test(`${era}, over WebSocket: the upgrade refused (401), discovery and sign-in, a call; a tool scope refusal is the JSON-RPC error`, async () => {
      const auth = new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer: new LoopbackAuthorizer({ open: browser }) }, clientMetadata: { client_name: `serve-ws-${era}` } });
      const url = served.url.replace(/^http/, 'ws');
      const codes = () => as.grantTypes('/token').filter((grant) => grant === 'authorization_code').length;
      const before = codes();
      const client = new McpClient({ name: 'serve-ws', version: '1.0.0', era });
      await client.connect(new WebSocketClientTransport(url, { auth }));
      try {
        assert.equal(text(await client.callTool('echo', { text: 'over the socket' })), 'over the socket');
        assert.equal(codes(), before + 1, 'one sign-in, for the upgrade');
        const authorize = as.requests.filter((request) => request.path === '/authorize').at(-1)!;
        assert.equal(authorize.params.resource, served.url, 'the token is for the HTTP resource the socket belongs to');
        // A socket has no status to set: a tool scope refusal is the JSON-RPC error alone, and
        // the client does not step up on it.
        await assert.rejects(client.callTool('whoami'), (error: unknown) => {
          assert.deepEqual((error as { data?: unknown }).data, { reason: 'insufficient_scope', requiredScopes: ['profile'] });
          return true;
        });
      } finally {
        await client.close();
      }
    });
  }

  test('through the gateway: an upstream with client credentials (clientSecret inline) reaches serve', async () => {
    as.registerClient('gateway', 'gateway-secret');
    const manager = new McpManager({
      mcpServers: { secure: { url: served.url, auth: { type: 'client_credentials', clientId: 'gateway', clientSecret: 'gateway-secret', issuer: as.issuer, scope: 'tools:call profile' } } },
    });
    try {
      await manager.start();
      assert.equal(textOf(await manager.callTool('secure__echo', { text: 'through the gateway' })), 'through the gateway');
      assert.equal(as.grantTypes('/token').at(-1), 'client_credentials');
      // The token's subject is the authorization server's: serve knows who called.
      assert.equal(textOf(await manager.callTool('secure__whoami', {})), 'test-user');
    } finally {
      await manager.close();
    }
  });
});
