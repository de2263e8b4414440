/**
 * The OAuth client's settings as a config file or createClientAuth gives them, end to end: a
 * gateway upstream's `auth.timeoutMs` bounds each request to its authorization server, and a
 * pre-registered client bound to its `issuer` meets an MCP server naming another authorization
 * server with an OAuthError naming both, its credentials never sent there. Real HTTP on
 * 127.0.0.1: two authorization servers, and protected mcp-core servers trusting one each.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClientAuth, type ClientAuthSettings } from '../../src/client/auth/from-settings.ts';
import { OAuthClientAuth, type Grant } from '../../src/client/auth/oauth-client-auth.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { McpServer } from '../../src/server/server.ts';
import { TestOAuthServer } from '../fixtures/oauth-server.ts';
import { ProtectedMcpServer } from '../fixtures/protected-mcp-server.ts';
import { connectError } from '../helpers/auth-requests.ts';
import { textOf } from '../helpers/gateway.ts';

const TIMEOUT_MS = 500;
const CLIENT = { clientId: 'gateway', clientSecret: 'gateway-secret' };
const WORKLOAD_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.workload.token';
const tokenFile = join(mkdtempSync(join(tmpdir(), 'mcp-core-workload-')), 'token');
writeFileSync(tokenFile, WORKLOAD_TOKEN);

function echoServer(): McpServer {
  const server = new McpServer({ name: 'protected', version: '1.0.0' });
  server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, ({ text }) => text);
  return server;
}

describe('OAuth client settings: the timeout and the authorization server a client belongs to', () => {
  /** Where the client is registered. */
  let home: TestOAuthServer;
  /** Another authorization server, named by `elsewhere`. */
  let other: TestOAuthServer;
  let resource: ProtectedMcpServer;
  let elsewhere: ProtectedMcpServer;

  before(async () => {
    [home, other] = await Promise.all([new TestOAuthServer().start(), new TestOAuthServer().start()]);
    home.registerClient(CLIENT.clientId, CLIENT.clientSecret);
    resource = await new ProtectedMcpServer(echoServer(), home.issuer).start();
    elsewhere = await new ProtectedMcpServer(echoServer(), other.issuer).start();
  });
  after(() => Promise.all([home.close(), other.close(), resource.close(), elsewhere.close()]));

  /** Nothing `other` received carries the client's id or secret. */
  function assertNoCredentialsAt(server: TestOAuthServer): void {
    for (const request of server.requests) {
      assert.equal(request.authorization, undefined, request.path);
      assert.ok(!JSON.stringify(request.params).includes(CLIENT.clientId), request.path);
      assert.ok(!['/token', '/register', '/authorize'].includes(request.path), request.path);
    }
  }

  test("regression: a gateway upstream's auth.timeoutMs bounds each request to its authorization server: one that hangs fails the call within it, naming the server, not after the default 30 s", async () => {
    const manager = new McpManager({
      mcpServers: { secure: { url: resource.url, timeoutMs: 120_000, auth: { type: 'client_credentials', ...CLIENT, issuer: home.issuer, timeoutMs: TIMEOUT_MS } } },
    });
    try {
      await manager.start();
      assert.equal(textOf(await manager.callTool('secure__echo', { text: 'signed in' })), 'signed in');
      // The token is refused from now on, and the token endpoint answers nothing.
      home.hang.add('/token');
      resource.revoked.add(home.issued.at(-1)!);
      const result = await manager.callTool('secure__echo', { text: 'again' });
      assert.equal(result.isError, true);
      const endpoint = `${home.issuer}/token`.replace(/[.]/g, '\\.');
      assert.match(textOf(result), new RegExp(`Token request \\("\\w+"\\) to ${endpoint} timed out after ${TIMEOUT_MS} ms`));
    } finally {
      home.hang.clear();
      await manager.close();
    }
  });

  test('regression: timeoutMs is a setting of createClientAuth for every OAuth kind', async () => {
    home.hang.add('/.well-known/oauth-authorization-server');
    try {
      const kinds: ClientAuthSettings[] = [
        { type: 'client_credentials', ...CLIENT, issuer: home.issuer, timeoutMs: TIMEOUT_MS },
        { type: 'oauth', clientId: CLIENT.clientId, issuer: home.issuer, timeoutMs: TIMEOUT_MS },
        { type: 'workload_identity', tokenFile: '/nonexistent/token', issuer: home.issuer, timeoutMs: TIMEOUT_MS },
      ];
      for (const settings of kinds) {
        const error = await connectError(resource.url, createClientAuth(settings, resource.url), 'legacy');
        assert.equal(error.name, 'OAuthError', settings.type);
        assert.equal(error.message, `Metadata request to ${home.issuer}/.well-known/oauth-authorization-server timed out after ${TIMEOUT_MS} ms`, settings.type);
        assert.equal(error.code, 'MCP_ERR_TIMEOUT', settings.type);
      }
    } finally {
      home.hang.clear();
    }
    assert.throws(() => createClientAuth({ type: 'oauth', timeoutMs: 0 }, resource.url), /timeoutMs/);
  });

  test('regression: a pre-registered client of one authorization server, meeting a server that names another, fails with an OAuthError naming both; the other never gets its credentials', async () => {
    const message = `The configured client is registered with "${home.issuer}", but the server asks for authorization by "${other.issuer}": its credentials are not sent there (configure a client of "${other.issuer}")`;
    const authorizer = { redirectUri: () => assert.fail('a sign-in listener opened'), authorize: () => assert.fail('sent to sign in') };
    const clients: Array<[string, () => OAuthClientAuth | ReturnType<typeof createClientAuth>]> = [
      ['client_credentials settings', () => createClientAuth({ type: 'client_credentials', ...CLIENT, issuer: home.issuer }, elsewhere.url)],
      // The workload token is a credential as much as a secret, with or without a client_id.
      ['workload_identity settings', () => createClientAuth({ type: 'workload_identity', tokenFile, issuer: home.issuer }, elsewhere.url)],
      ['authorization code', () => new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer } as unknown as Grant, client: { ...CLIENT, issuer: home.issuer } })],
      ['workload identity', () => new OAuthClientAuth({ grant: { type: 'workload_identity', assertion: () => 'jwt' }, client: { clientId: CLIENT.clientId, issuer: home.issuer } })],
    ];
    assert.throws(() => createClientAuth({ type: 'workload_identity', tokenFile }, elsewhere.url), /needs the issuer/);
    assert.throws(() => createClientAuth({ type: 'client_credentials', ...CLIENT }, elsewhere.url), /needs the issuer/);
    for (const era of [undefined, 'legacy', 'modern'] as const) {
      for (const [name, make] of clients) {
        const error = await connectError(elsewhere.url, make(), era);
        assert.equal(error.name, 'OAuthError', `${name}, ${era}`);
        assert.equal(error.message, message, `${name}, ${era}`);
      }
    }

    // The gateway: the upstream's error says so, and no call reaches the other server.
    const manager = new McpManager({ mcpServers: { elsewhere: { url: elsewhere.url, auth: { type: 'client_credentials', ...CLIENT, issuer: home.issuer } } } });
    try {
      await manager.start();
      const [health] = manager.health().upstreams;
      assert.equal(health.connected, false);
      assert.equal(health.lastError?.reason, 'auth');
      assert.equal(health.lastError?.message, `Upstream "elsewhere" refused the credentials (auth): ${message}`);
    } finally {
      await manager.close();
    }
    assert.ok(other.requests.length > 0, 'its metadata was read');
    assertNoCredentialsAt(other);
    assert.ok(!JSON.stringify(other.requests).includes(WORKLOAD_TOKEN), 'the workload token reached the other server');
  });

  test('regression: a workload token file or a private key file past 1 MiB (a file too large, a path to /dev/zero) is an OAuthError naming it, read no further (it was read whole, /dev/zero until memory ran out)', async () => {
    const large = join(mkdtempSync(join(tmpdir(), 'mcp-core-credentials-')), 'large');
    // Sparse: 2 MiB of zeros on disk in no time.
    writeFileSync(large, '');
    truncateSync(large, 2 * 1024 * 1024);
    for (const file of [large, '/dev/zero']) {
      const kinds: Array<[ClientAuthSettings, string]> = [
        [{ type: 'workload_identity', tokenFile: file, issuer: home.issuer }, 'the workload token'],
        [{ type: 'client_credentials', clientId: CLIENT.clientId, privateKeyFile: file, issuer: home.issuer }, "the client's private key"],
      ];
      for (const [settings, what] of kinds) {
        const error = await connectError(resource.url, createClientAuth(settings, resource.url), 'legacy');
        assert.equal(error.name, 'OAuthError', `${settings.type} ${file}: ${error.message}`);
        assert.equal(error.message, `Cannot read ${what} ${file}: larger than 1048576 bytes`);
      }
    }
  });

  test('regression: concurrent requests waiting for an authorization that failed get its OAuthError, not the bare "HTTP 401"', async () => {
    const auth = new OAuthClientAuth({ grant: { type: 'client_credentials' }, client: { ...CLIENT, issuer: home.issuer } });
    const errors = await Promise.all([connectError(elsewhere.url, auth, 'legacy'), connectError(elsewhere.url, auth, 'modern'), connectError(elsewhere.url, auth, 'legacy')]);
    for (const error of errors) {
      assert.equal(error.name, 'OAuthError');
      assert.match(error.message, /^The configured client is registered with /);
    }
    assertNoCredentialsAt(other);
  });
});
