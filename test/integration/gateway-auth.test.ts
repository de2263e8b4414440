/**
 * The gateway reaching authenticated upstreams through the client's OAuth: per-upstream `auth`
 * in mcpServers (client credentials with the secret from the environment, a fixed bearer
 * token), a protected mcp-core server checking JWTs against a real authorization server, and
 * the config refusing auth settings that do not fit their kind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config.ts';
import { parseManagerConfig } from '../../src/manager/config.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { McpServer } from '../../src/server/server.ts';
import { TestOAuthServer } from '../fixtures/oauth-server.ts';
import { ProtectedMcpServer } from '../fixtures/protected-mcp-server.ts';
import { textOf } from '../helpers/gateway.ts';

describe('gateway upstreams with auth', () => {
  let as: TestOAuthServer;
  let resource: ProtectedMcpServer;

  before(async () => {
    as = await new TestOAuthServer().start();
    const server = new McpServer({ name: 'protected', version: '1.0.0' });
    server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, ({ text }) => text);
    resource = await new ProtectedMcpServer(server, as.issuer).start();
    as.registerClient('gateway', 'gateway-secret');
  });

  after(async () => {
    await Promise.all([as.close(), resource.close()]);
  });

  test('client credentials from the environment: the gateway signs in and calls the tool', async () => {
    process.env.TEST_GATEWAY_SECRET = 'gateway-secret';
    const manager = new McpManager({
      mcpServers: { secure: { url: resource.url, auth: { type: 'client_credentials', clientId: 'gateway', clientSecretEnv: 'TEST_GATEWAY_SECRET', issuer: as.issuer } } },
    });
    try {
      await manager.start();
      assert.equal(textOf(await manager.callTool('secure__echo', { text: 'through the gateway' })), 'through the gateway');
      assert.equal(as.grantTypes('/token').at(-1), 'client_credentials');
      assert.equal(resource.authorizations.at(-1), `Bearer ${as.issued.at(-1)}`);
    } finally {
      await manager.close();
      delete process.env.TEST_GATEWAY_SECRET;
    }
  });

  test('an upstream without auth is refused by the protected server, and the gateway says why', async () => {
    const manager = new McpManager({ mcpServers: { open: { url: resource.url, connectTimeoutMs: 10_000 } } });
    try {
      await manager.start();
      const [health] = manager.health().upstreams;
      assert.equal(health.connected, false);
      assert.match(health.lastError?.message ?? '', /401|nauthorized/);
    } finally {
      await manager.close();
    }
  });

  test('auth settings that do not fit their kind are configuration errors naming the setting', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: 'bearer' }, /auth: auth of type bearer needs token or tokenEnv/],
      [{ type: 'client_credentials', clientId: 'x', issuer: 'https://as.example' }, /needs clientSecret or clientSecretEnv or privateKeyFile/],
      // A secret goes only to the authorization server that issued it, which must be named.
      [{ type: 'client_credentials', clientId: 'x', clientSecretEnv: 'S' }, /auth: auth of type client_credentials needs issuer/],
      [{ type: 'client_credentials', clientId: 'x', privateKeyFile: 'k.pem' }, /auth: auth of type client_credentials needs issuer/],
      [{ type: 'oauth', clientId: 'x', clientSecret: 'secret' }, /auth: a client secret needs issuer/],
      [{ type: 'workload_identity', tokenFile: 'token.jwt' }, /auth: auth of type workload_identity needs issuer/],
      [{ type: 'oauth', issuer: 'ftp://as.example' }, /auth\.issuer/],
      // How long one request to the authorization server may take: whole milliseconds, bounded.
      ...[0, 99, 1.5, 600_001, '1000'].map((timeoutMs): [Record<string, unknown>, RegExp] => [{ type: 'oauth', timeoutMs }, /auth\.timeoutMs/]),
      [{ type: 'bearer', token: 't', timeoutMs: 1000 }, /auth\.timeoutMs does not apply to auth of type bearer/],
      [{ type: 'bearer', token: 't', clientId: 'x' }, /auth\.clientId does not apply to auth of type bearer/],
      [{ type: 'password' }, /auth\.type/],
    ];
    for (const [auth, message] of cases) {
      assert.throws(() => parseManagerConfig({ mcpServers: { s: { url: 'https://x.example/mcp', auth: auth as never } } }), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    }
    assert.throws(() => parseManagerConfig({ mcpServers: { s: { command: 'x', auth: { type: 'bearer', token: 't' } } } }), /auth applies to url upstreams only/);
  });
});
