/**
 * The OAuth client end to end, over real HTTP: a small authorization server and a protected
 * mcp-core server (JWTs checked with jose against the authorization server's JWKS). The
 * client discovers both, registers, signs in through the loopback authorizer, calls a tool,
 * refreshes when its token is revoked; its tokens go nowhere else and appear in
 * no error, warning or printed object. Against `mcp-core serve` itself, with step-up:
 * client-oauth-serve.test.ts.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { BearerTokenAuth } from '../../src/client/auth/bearer-token-auth.ts';
import { LoopbackAuthorizer } from '../../src/client/auth/loopback-authorizer.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { MemoryTokenStore } from '../../src/client/auth/token-store.ts';
import { McpServer } from '../../src/server/server.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { TestOAuthServer } from '../fixtures/oauth-server.ts';
import { ProtectedMcpServer } from '../fixtures/protected-mcp-server.ts';

function echoServer(): McpServer {
  const server = new McpServer({ name: 'protected', version: '1.0.0' });
  server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, ({ text }) => text);
  return server;
}

/** The user's browser: follows the authorization server's redirects to the loopback listener. */
const browser = async (url: URL): Promise<void> => {
  const response = await fetch(url);
  await response.text();
};

function newAuth(store = new MemoryTokenStore()): OAuthClientAuth {
  return new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer: new LoopbackAuthorizer({ open: browser }) }, clientMetadata: { client_name: 'e2e' }, store });
}

async function connect(url: string, auth: OAuthClientAuth | BearerTokenAuth, era: 'modern' | 'legacy'): Promise<McpClient> {
  const client = new McpClient({ name: 'e2e', version: '1.0.0', era });
  await client.connect(new StreamableHttpClientTransport(url, { auth, listen: false }));
  return client;
}

const text = (result: { content: unknown }) => (result.content as Array<{ text: string }>)[0].text;

describe('OAuth client against a real authorization server and a protected mcp-core server', () => {
  let as: TestOAuthServer;
  let resource: ProtectedMcpServer;
  let other: ProtectedMcpServer;

  before(async () => {
    as = await new TestOAuthServer().start();
    resource = await new ProtectedMcpServer(echoServer(), as.issuer).start();
    other = await new ProtectedMcpServer(echoServer(), as.issuer).start();
  });

  after(async () => {
    await Promise.all([as.close(), resource.close(), other.close()]);
  });

  for (const era of ['modern', 'legacy'] as const) {
    test(`${era}: discovers, registers, signs in, calls a tool, and refreshes a revoked token`, async () => {
      const before = as.requests.length;
      const client = await connect(resource.url, newAuth(), era);
      assert.equal(text(await client.callTool('echo', { text: 'hello' })), 'hello');
      const seen = as.requests.slice(before).map((request) => request.path);
      assert.deepEqual(seen.filter((path) => path !== '/jwks'), ['/.well-known/oauth-authorization-server', '/register', '/authorize', '/token']);
      const authorize = as.requests.slice(before).find((request) => request.path === '/authorize')!;
      assert.equal(authorize.params.resource, resource.url);
      assert.equal(authorize.params.scope, 'tools:call offline_access');
      assert.equal(authorize.params.code_challenge_method, 'S256');
      const first = as.issued.at(-1)!;
      assert.equal(resource.authorizations.at(-1), `Bearer ${first}`);

      resource.revoked.add(first);
      assert.equal(text(await client.callTool('echo', { text: 'again' })), 'again');
      assert.equal(as.grantTypes('/token').at(-1), 'refresh_token');
      const second = as.issued.at(-1)!;
      assert.notEqual(second, first);
      assert.equal(resource.authorizations.at(-1), `Bearer ${second}`);
      await client.close();
    });
  }

  test('concurrent calls with an expired token share one refresh (a rotated refresh token works once)', async () => {
    as.expiresIn = 4; // under the client's 5 s margin: expired at once for the client, valid at the server
    try {
      const client = await connect(resource.url, newAuth(), 'modern');
      await client.callTool('echo', { text: 'first' });
      const before = as.grantTypes('/token').length;
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => client.callTool('echo', { text: `call ${i}` })));
      assert.deepEqual(results.map(text), ['call 0', 'call 1', 'call 2', 'call 3', 'call 4']);
      // One refresh for the five (a second only if a call outlived its 4 s token on a slow machine).
      assert.ok(as.grantTypes('/token').slice(before).length <= 2, `${as.grantTypes('/token').slice(before).length} refreshes for one expiry`);
      await client.callTool('echo', { text: 'after' });
      assert.ok(!as.grantTypes('/token').slice(before).includes('authorization_code'), 'a lost refresh token made the client sign in again');
      await client.close();
    } finally {
      as.expiresIn = 3600;
    }
  });

  test('a token is only ever sent to the resource it was issued for', async () => {
    const store = new MemoryTokenStore();
    const auth = newAuth(store);
    const client = await connect(resource.url, auth, 'modern');
    await client.callTool('echo', { text: 'x' });
    const token = as.issued.at(-1)!;
    const origin = new URL(resource.url).origin;
    // Same origin, other path; other origin: no Authorization.
    assert.deepEqual(await auth.headers({ url: new URL(`${origin}/elsewhere`), method: 'POST' }), {});
    assert.deepEqual(await auth.headers({ url: new URL(other.url), method: 'POST' }), {});

    // The same auth used for another server: it gets a token of its own, never the first one.
    const second = await connect(other.url, auth, 'modern');
    await second.callTool('echo', { text: 'y' });
    assert.ok(!other.authorizations.includes(`Bearer ${token}`));
    assert.ok(other.authorizations.includes(`Bearer ${as.issued.at(-1)}`));
    assert.notEqual(as.issued.at(-1), token);

    const fixed = new BearerTokenAuth('fixed-token', resource.url);
    assert.deepEqual(fixed.headers({ url: new URL(other.url), method: 'POST' }), {});
    assert.deepEqual(fixed.headers({ url: new URL(resource.url), method: 'POST' }), { authorization: 'Bearer fixed-token' });
    await Promise.all([client.close(), second.close()]);
  });

  test('tokens appear in no error, warning or printed object', async () => {
    const printed: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      printed.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    const onWarning = (warning: Error) => printed.push(inspect(warning));
    process.on('warning', onWarning);
    try {
      const auth = newAuth();
      const client = await connect(resource.url, auth, 'modern');
      await client.callTool('echo', { text: 'x' });
      printed.push(inspect(auth, { depth: 10, showHidden: true }), inspect(client, { depth: 10 }));
      // Now every way to a token fails: the token is revoked and the authorization server is gone.
      resource.revoked.add(as.issued.at(-1)!);
      const refresh = as.requests.filter((request) => request.path === '/token').at(-1)!;
      await as.close();
      const error = await client.callTool('echo', { text: 'y' }).then(
        () => assert.fail('the call should fail'),
        (reason: unknown) => reason,
      );
      for (let cause: unknown = error; cause !== undefined; cause = (cause as { cause?: unknown }).cause) printed.push(inspect(cause, { depth: 10 }));
      const everything = printed.join('\n');
      for (const token of as.issued) assert.ok(!everything.includes(token), 'an access token leaked');
      for (const request of as.requests) {
        if (request.params.refresh_token !== undefined) assert.ok(!everything.includes(request.params.refresh_token), 'a refresh token leaked');
      }
      assert.ok(refresh.params.code !== undefined && !everything.includes(refresh.params.code_verifier), 'the PKCE verifier leaked');
      await client.close();
    } finally {
      process.stderr.write = write;
      process.off('warning', onWarning);
      as = await new TestOAuthServer().start();
    }
  });
});
