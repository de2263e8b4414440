/**
 * Access tokens no request can carry: longer than a request header may be, or with characters
 * a header cannot hold (a line break, NUL, an emoji). Kept, such a token failed every request
 * until it expired, if ever (the request is refused before it leaves, or answered 431, which is
 * no 401 to re-authorize on), and fetch's refusal quoted it. Found by the OAuth client fuzz
 * target (test/fuzz/client-oauth.test.ts).
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { MemoryTokenStore } from '../../src/client/auth/token-store.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { bodyServer, protectedMcp } from '../helpers/auth-requests.ts';

const json = (res: ServerResponse, value: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));

describe('access tokens no request can carry', () => {
  let base: string;
  let stop: () => void;
  /** What the token endpoint issues next (then a proper token). */
  let tokens: string[] = [];

  before(async () => {
    ({ base, stop } = await bodyServer((req, res, body) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/prm') return json(res, { resource: `${base}/mcp`, authorization_servers: [base] });
      if (path === '/.well-known/oauth-authorization-server') return json(res, { issuer: base, token_endpoint: `${base}/token` });
      // No expiry: kept, the token would be tried for good.
      if (path === '/token') return json(res, { access_token: tokens.shift() ?? 'good', token_type: 'Bearer' });
      protectedMcp(req, res, body, 'good', `${base}/prm`);
    }));
  });
  after(() => stop());

  async function connect(auth: OAuthClientAuth): Promise<(Error & { code?: string }) | undefined> {
    const client = new McpClient({ name: 't', version: '1', era: 'legacy' });
    try {
      await client.connect(new StreamableHttpClientTransport(`${base}/mcp`, { auth, listen: false }));
      return undefined;
    } catch (error) {
      return error as Error;
    } finally {
      await client.close();
    }
  }

  test('regression: a token too long for a request header, or with a line break, NUL or a character past Latin-1, is refused and not kept: the next request gets a proper one', async () => {
    const secret = 'secret-part-4f1d';
    for (const [name, token] of [
      ['20 KiB', `${secret}${'x'.repeat(20 * 1024)}`],
      ['a line break', `${secret}\nx`],
      ['a header injected', `${secret}\r\nx-injected: 1`],
      ['NUL', `${secret}\u0000`],
      ['an emoji', `${secret}\u{1f600}`],
    ]) {
      tokens = [token];
      const store = new MemoryTokenStore();
      const auth = new OAuthClientAuth({ grant: { type: 'client_credentials' }, client: { clientId: 'c', clientSecret: 's', issuer: base }, store });
      const error = await connect(auth);
      assert.equal(error?.name, 'OAuthError', `${name}: ${error?.stack}`);
      assert.equal(error.code, 'MCP_ERR_UNAUTHORIZED', name);
      assert.match(error.message, /^The token endpoint issued an access_token (of \d+ characters, past the 16384 a request can carry|with characters a request header cannot carry)/, name);
      assert.ok(!inspect(error, { depth: 10 }).includes(secret), `${name}: the error quotes the token`);
      assert.equal(await store.getTokens(`${base}/mcp`), undefined, name);
      // Kept, it failed this connection too (431, or a request that could not be sent).
      assert.equal(await connect(auth), undefined, name);
    }
  });
});
