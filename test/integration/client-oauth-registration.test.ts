/**
 * Dynamic client registration answers the client cannot use: a registration whose
 * token_endpoint_auth_method the client has no means for, or a secret method without a
 * secret, must not be kept, or every later sign-in fails at the token endpoint until the
 * store is deleted by hand. Found by the OAuth client fuzz target (test/fuzz/client-oauth.test.ts).
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import type { Authorizer } from '../../src/client/auth/authorization-code.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { MemoryTokenStore } from '../../src/client/auth/token-store.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { bodyServer, protectedMcp } from '../helpers/auth-requests.ts';

const json = (res: ServerResponse, value: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));

/** The user's browser, signing in at once: the redirect back carries the request's state. */
const browser: Authorizer = {
  redirectUri: () => 'http://127.0.0.1:9/callback',
  authorize: async (url) => new URL(`http://127.0.0.1:9/callback?code=c&state=${url.searchParams.get('state')}`),
};

describe('dynamic client registration answers the client cannot use', () => {
  let base: string;
  let stop: () => void;
  /** What the registration endpoint answers next (then a proper registration). */
  let registrations: unknown[] = [];
  let registered = 0;

  before(async () => {
    ({ base, stop } = await bodyServer((req, res, body) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/prm') return json(res, { resource: `${base}/mcp`, authorization_servers: [base] });
      if (path === '/.well-known/oauth-authorization-server') {
        return json(res, { issuer: base, token_endpoint: `${base}/token`, authorization_endpoint: `${base}/authorize`, registration_endpoint: `${base}/register`, code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['none'] });
      }
      if (path === '/register') {
        registered++;
        return json(res, registrations.shift() ?? { client_id: `proper-${registered}`, token_endpoint_auth_method: 'none' });
      }
      if (path === '/token') return json(res, { access_token: 'good', token_type: 'Bearer', expires_in: 3600 });
      protectedMcp(req, res, body, 'good', `${base}/prm`);
    }));
  });
  after(() => stop());

  async function connect(auth: OAuthClientAuth): Promise<unknown> {
    const client = new McpClient({ name: 't', version: '1', era: 'legacy' });
    try {
      await client.connect(new StreamableHttpClientTransport(`${base}/mcp`, { auth, listen: false }));
      await client.listTools();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await client.close();
    }
  }

  test('regression: a registration with a token_endpoint_auth_method the client cannot use, or a secret method without a secret, fails that sign-in and is not kept: the next one registers anew', async () => {
    for (const answer of [
      { client_id: 'tls', token_endpoint_auth_method: 'tls_client_auth' },
      { client_id: 'empty', token_endpoint_auth_method: '' },
      { client_id: 'key', token_endpoint_auth_method: 'private_key_jwt' },
      { client_id: 'no-secret', token_endpoint_auth_method: 'client_secret_basic' },
      { client_id: 'empty-secret', token_endpoint_auth_method: 'client_secret_post', client_secret: '' },
    ]) {
      registrations = [answer];
      registered = 0;
      const store = new MemoryTokenStore();
      const auth = new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer: browser }, store });
      const error = (await connect(auth)) as Error & { code?: string };
      assert.equal(error?.name, 'OAuthError', answer.client_id);
      assert.match(error.message, /^Client registration answered with token_endpoint_auth_method ".*"(, which this client cannot use| without a client_secret): not kept$/, answer.client_id);
      assert.equal(await store.getClient(base), undefined, answer.client_id);
      // Kept, it failed every sign-in after it ("Unsupported token endpoint authentication method", "needs a client secret").
      assert.equal(await connect(auth), undefined, answer.client_id);
      assert.equal(registered, 2, answer.client_id);
    }
  });

  test('a registration kept unusable in a store (by an earlier version) is registered anew', async () => {
    registrations = [];
    registered = 0;
    const store = new MemoryTokenStore();
    await store.setClient(base, { clientId: 'old', tokenEndpointAuthMethod: 'tls_client_auth', redirectUris: ['http://127.0.0.1:9/callback'] });
    assert.equal(await connect(new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer: browser }, store })), undefined);
    assert.equal(registered, 1);
    assert.equal((await store.getClient(base))?.clientId, 'proper-1');
  });
});
