/**
 * A server whose protected resource metadata changes the `resource` it names (a trailing slash
 * dropped, the parent path named instead): the token obtained for the new resource must go on
 * the server's requests, not be passed over for what an earlier discovery named. Found by the
 * OAuth client fuzz target (test/fuzz/client-oauth.test.ts).
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { MemoryTokenStore } from '../../src/client/auth/token-store.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { bodyServer, protectedMcp } from '../helpers/auth-requests.ts';

const json = (res: ServerResponse, value: unknown, headers: Record<string, string> = {}): void =>
  void res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));

describe('a server that changes the resource its metadata names', () => {
  let base: string;
  let stop: () => void;
  /** The resource the metadata names now, and the only token the server takes. */
  let resource: () => string;
  let accepted: string | undefined;
  let issued = 0;

  before(async () => {
    ({ base, stop } = await bodyServer((req, res, body) => {
      const path = (req.url ?? '/').split('?')[0];
      // Not kept: each 401 reads what the server says now.
      if (path === '/prm') return json(res, { resource: resource(), authorization_servers: [base] }, { 'cache-control': 'no-store' });
      if (path === '/.well-known/oauth-authorization-server') return json(res, { issuer: base, token_endpoint: `${base}/token` });
      if (path === '/token') {
        accepted = `token-${++issued}`;
        return json(res, { access_token: accepted, token_type: 'Bearer', expires_in: 3600 });
      }
      protectedMcp(req, res, body, accepted, `${base}/prm`);
    }));
  });
  after(() => stop());

  for (const [before, now] of [
    ['/mcp/', '/mcp'],
    ['/mcp', ''],
  ]) {
    test(`regression: metadata naming the server's origin + ${JSON.stringify(now)} after ${JSON.stringify(before)}: the new token goes on the requests (none did: the old resource, more specific, was still taken for the server's, and the call failed with "refused the token ... just issued")`, async () => {
      accepted = undefined;
      issued = 0;
      resource = () => `${base}${before}`;
      const store = new MemoryTokenStore();
      const auth = new OAuthClientAuth({ grant: { type: 'client_credentials' }, client: { clientId: 'c', clientSecret: 's', issuer: base }, store });
      const client = new McpClient({ name: 't', version: '1', era: 'legacy' });
      try {
        await client.connect(new StreamableHttpClientTransport(`${base}/mcp`, { auth, listen: false }));
        assert.equal(issued, 1);
        // The server moves to the new resource name; the old token is refused.
        resource = () => `${base}${now}`;
        accepted = undefined;
        assert.deepEqual(await client.listTools(), []);
        assert.equal(issued, 2);
        assert.equal((await store.getTokens(`${base}${now}`))?.accessToken, 'token-2');
      } finally {
        await client.close();
      }
    });
  }
});
