/**
 * `mcp-core serve` with the other auth modes: API keys (from the config file, the environment,
 * or as digests; over HTTP and WebSocket), token introspection (RFC 7662) against a real
 * endpoint over HTTP, and none (a loud warning when bound beyond loopback); settings a mode
 * needs, checked at startup.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fixture } from '../helpers/gateway.ts';
import { CLI } from '../helpers/processes.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';
import { call, challenge, configFile, modern, text } from '../helpers/auth-requests.ts';
import { post } from '../helpers/http.ts';
import { modernCall, openRaw, refusedUpgrade } from '../helpers/ws.ts';

const CI_KEY = 'ci-key-0123456789abcdef';
const OPS_KEY = 'ops-key-fedcba9876543210';
const ENV_KEY = 'env-key-aaaabbbbccccdddd';

describe('mcp-core serve, auth.mode apiKey', () => {
  let served: Served;
  before(async () => {
    const config = configFile({
      auth: {
        mode: 'apiKey',
        apiKeys: { ci: { key: CI_KEY }, ops: { sha256: createHash('sha256').update(OPS_KEY).digest('hex'), scopes: ['math'] } },
        toolScopes: { add: ['math'] },
      },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0'], { MCP__AUTH__APIKEYS__BUILD__KEY: ENV_KEY });
  });
  after(() => stopServe(served));

  it('names the principal of each key, from the file, a digest, or the environment, as Bearer or X-API-Key', async () => {
    assert.equal(text(await call(served.url, CI_KEY, 'whoami')), 'ci');
    assert.equal(text(await call(served.url, OPS_KEY, 'whoami')), 'ops');
    assert.equal(text(await call(served.url, ENV_KEY, 'whoami')), 'BUILD');
    const viaHeader = await post(
      served.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } } } },
      { 'x-api-key': CI_KEY, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
    );
    assert.equal(text(viaHeader), 'ci');
  });

  it('refuses a missing or unknown key with 401 and a Bearer challenge (no authorization server to name)', async () => {
    for (const key of [undefined, 'not-a-key-of-this-server', `${CI_KEY}x`]) {
      const response = await call(served.url, key, 'whoami');
      assert.equal(response.status, 401);
      const parameters = challenge(response.headers.get('www-authenticate'));
      assert.equal(parameters.resource_metadata, undefined);
      assert.equal(parameters.error, key === undefined ? undefined : 'invalid_token');
    }
    assert.equal((await fetch(new URL('/.well-known/oauth-protected-resource', served.url))).status, 404);
  });

  it('grants the scopes of a key: per-tool scopes apply', async () => {
    assert.equal((await call(served.url, CI_KEY, 'add', { a: 1, b: 1 })).status, 403);
    assert.equal(text(await call(served.url, OPS_KEY, 'add', { a: 1, b: 1 })), '2');
    assert.ok(!(await modern(served.url, CI_KEY, 'tools/list')).json.result.tools.some((tool: { name: string }) => tool.name === 'add'));
  });
});

describe('mcp-core serve as a gateway, auth.mode apiKey, tool scopes by pattern', () => {
  let served: Served;
  const names = async (key: string) => ((await modern(served.url, key, 'tools/list')).json.result.tools as Array<{ name: string }>).map((tool) => tool.name);
  before(async () => {
    const config = configFile({
      mcpServers: { up: fixture() },
      gateway: { watch: false },
      auth: { mode: 'apiKey', apiKeys: { ci: { key: CI_KEY }, ops: { key: OPS_KEY, scopes: ['ops'] } }, toolScopes: { 'up__s*': ['ops'] } },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
  });
  after(() => stopServe(served));

  it("hides and refuses an upstream's tools the pattern names to a caller without its scope, every time; serves them to one with it", async () => {
    const seen = await names(CI_KEY);
    assert.ok(seen.includes('up__echo'), seen.join(' '));
    assert.deepEqual(seen.filter((name) => name.startsWith('up__s')), []);
    assert.ok((await names(OPS_KEY)).includes('up__stats'));
    // The second refusal comes from the pattern's match remembered for the name.
    for (let i = 0; i < 2; i++) {
      const refused = await call(served.url, CI_KEY, 'up__stats');
      assert.equal(refused.status, 403);
      assert.equal(challenge(refused.headers.get('www-authenticate')).error, 'insufficient_scope');
    }
    assert.equal(text(await call(served.url, OPS_KEY, 'up__stats')), '0');
    assert.equal(text(await call(served.url, CI_KEY, 'up__echo', { text: 'hi' })), 'hi');
  });
});

describe('mcp-core serve, auth.mode apiKey, over WebSocket', () => {
  let served: Served;
  let url: string;
  before(async () => {
    const config = configFile({
      auth: { mode: 'apiKey', apiKeys: { ci: { key: CI_KEY } }, toolScopes: { add: ['math'] } },
      rateLimits: { perClient: { limit: 4, windowSeconds: 60 } },
      websocket: { enabled: true },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
    url = served.url.replace(/^http/, 'ws');
  });
  after(() => stopServe(served));

  it('refuses the upgrade without a key (401 and the challenge), and names the principal of a key', async () => {
    const refused = await refusedUpgrade(url);
    assert.equal(refused.status, 401);
    assert.equal(challenge(String(refused.headers['www-authenticate'])).resource_metadata, undefined);
    const peer = await openRaw(url, { headers: { authorization: `Bearer ${CI_KEY}` } });
    try {
      peer.send(modernCall(1, 'whoami', {}));
      assert.equal((await peer.next()).result.content[0].text, 'ci');
      // A tool scope refusal is the JSON-RPC error alone: a socket has no status to set.
      peer.send(modernCall(2, 'add', { a: 1, b: 1 }));
      const forbidden = await peer.next();
      assert.equal(forbidden.error.data.reason, 'insufficient_scope');
      // The upgrade counted once at the edge, and each request on the socket counts too.
      peer.send(modernCall(3, 'whoami', {}));
      assert.equal((await peer.next()).result.content[0].text, 'ci');
      peer.send(modernCall(4, 'whoami', {}));
      const limited = await peer.next();
      assert.equal(limited.id, 4);
      assert.equal(limited.error.data.reason, 'rate_limited');
    } finally {
      peer.socket.close();
    }
  });
});

/** An RFC 7662 endpoint: Basic client authentication, tokens from a table, calls counted. */
class IntrospectionEndpoint {
  calls = 0;
  down = false;
  readonly tokens = new Map<string, Record<string, unknown>>();
  readonly #server: Server;
  url = '';

  constructor(clientId: string, secret: string) {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.calls++;
        if (this.down) return void res.writeHead(503).end();
        if (req.headers.authorization !== `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`) return void res.writeHead(401).end();
        const token = new URLSearchParams(body).get('token') ?? '';
        // A moment's delay, so concurrent checks of one token overlap.
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.tokens.get(token) ?? { active: false })), 20);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/introspect`;
    return this;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('mcp-core serve, auth.mode introspection', () => {
  let endpoint: IntrospectionEndpoint;
  let served: Served;
  const RESOURCE = 'https://mcp.example.test/mcp';
  const active = (sub: string, extra: Record<string, unknown> = {}) => ({ active: true, sub, aud: RESOURCE, iss: 'https://auth.example.test', scope: 'mcp', exp: Math.floor(Date.now() / 1000) + 600, client_id: 'app', ...extra });

  before(async () => {
    endpoint = await new IntrospectionEndpoint('mcp-server', 'introspection-secret-123').start();
    const config = configFile({
      auth: {
        mode: 'introspection',
        resource: RESOURCE,
        introspection: { endpoint: endpoint.url, clientId: 'mcp-server', clientSecret: 'introspection-secret-123', issuer: 'https://auth.example.test' },
      },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
  });
  after(async () => {
    await stopServe(served);
    await endpoint.close();
  });

  it('serves an active token for this server, asking the endpoint once for it', async () => {
    endpoint.tokens.set('opaque-alice', active('alice'));
    const before = endpoint.calls;
    assert.equal(text(await call(served.url, 'opaque-alice', 'whoami')), 'alice');
    assert.equal(text(await call(served.url, 'opaque-alice', 'whoami', {}, 2)), 'alice');
    assert.equal(endpoint.calls, before + 1);
    const metadata = (await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', served.url))).json()) as { authorization_servers: string[]; resource: string };
    assert.deepEqual(metadata.authorization_servers, ['https://auth.example.test']);
    assert.equal(metadata.resource, RESOURCE);
  });

  it('shares one introspection among concurrent requests with the same token', async () => {
    endpoint.tokens.set('opaque-burst', active('burst'));
    const before = endpoint.calls;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => call(served.url, 'opaque-burst', 'whoami', {}, i)));
    for (const answer of answers) assert.equal(text(answer), 'burst');
    assert.equal(endpoint.calls, before + 1);
  });

  it('refuses inactive tokens, and tokens for another audience or issuer, or expired', async () => {
    endpoint.tokens.set('opaque-other-aud', active('alice', { aud: 'https://elsewhere.example.test/mcp' }));
    endpoint.tokens.set('opaque-other-iss', active('alice', { iss: 'https://evil.example.test' }));
    endpoint.tokens.set('opaque-expired', active('alice', { exp: Math.floor(Date.now() / 1000) - 120 }));
    const cases: Array<[string, string]> = [
      ['opaque-unknown', 'The access token is not active'],
      ['opaque-other-aud', 'The access token was not issued for this server'],
      ['opaque-other-iss', 'The access token was not issued by a trusted authorization server'],
      ['opaque-expired', 'The access token expired'],
    ];
    for (const [token, description] of cases) {
      const response = await call(served.url, token, 'whoami');
      assert.equal(response.status, 401, token);
      assert.equal(challenge(response.headers.get('www-authenticate')).error_description, description, token);
    }
  });

  it('answers 503 with Retry-After while the endpoint fails, and reports it', async () => {
    endpoint.down = true;
    try {
      const response = await call(served.url, 'opaque-while-down', 'whoami');
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
    } finally {
      endpoint.down = false;
    }
    await served.stderrLine(/introspection endpoint answered HTTP 503/);
  });
});

describe('mcp-core serve, auth.mode none', () => {
  it('warns loudly when the listener is bound beyond loopback', async () => {
    const served = await startServe(['--http', '0.0.0.0:0']);
    try {
      const line = await served.stderrLine(/auth\.mode is none/);
      assert.match(line, /"level":40/);
      assert.match(line, /anyone who can reach it can call every tool/);
    } finally {
      await stopServe(served);
    }
  });
});

describe('auth settings a mode needs', () => {
  it('are checked at startup and by config check, naming the missing setting (exit 2)', async () => {
    const config = configFile({ auth: { mode: 'jwt', jwt: { issuer: 'https://auth.example.test' } } });
    for (const args of [['serve', '--config', config, '--http', '127.0.0.1:0'], ['config', 'check', config]]) {
      const failed = await promisify(execFile)(process.execPath, [CLI, ...args]).then(
        () => assert.fail(`${args[0]} should fail`),
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal(failed.code, 2);
      assert.match(failed.stderr, /auth\.mode is jwt, but auth\.jwt\.jwksUrl is not set/);
    }
  });
});
