/**
 * Secrets never leave the server: tokens and keys sent in requests, and secrets in the
 * configuration (API keys, the introspection client secret, the requestState secret, a Redis
 * password, a TLS key passphrase), are searched for in every output of runs that go through
 * errors with logging at its most verbose: stdout and stderr of `mcp-core serve` (JWT,
 * introspection and API key modes), every HTTP response (status line, headers, body), and
 * `mcp-core config check` of valid and invalid files.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { bearer, call, configFile, initialize, legacyCall, modern } from '../helpers/auth-requests.ts';
import { certificateDir, makeCa, makeCertificate } from '../helpers/certificates.ts';
import { post, type RawResponse } from '../helpers/http.ts';
import { JwksServer } from '../helpers/jwks-server.ts';
import { CLI } from '../helpers/processes.ts';
import { RedisServer } from '../helpers/redis-server.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const run = promisify(execFile);

const API_KEY = 'apikey-SECRET-1111-aaaa';
const ENV_API_KEY = 'apikey-SECRET-2222-bbbb';
const WRONG_KEY = 'apikey-SECRET-3333-cccc';
const STATE_SECRET = 'state-SECRET-4444-dddd';
const CLIENT_SECRET = 'client-SECRET-5555-eeee';
const REDIS_PASSWORD = 'redis-SECRET-6666-ffff';
const TLS_PASSPHRASE = 'tls-SECRET-7777-gggg';
const OPAQUE_TOKEN = 'opaque-SECRET-8888-hhhh';

/** Everything the runs below wrote or answered. */
const outputs: string[] = [];
const secrets = new Set<string>([API_KEY, ENV_API_KEY, WRONG_KEY, STATE_SECRET, CLIENT_SECRET, REDIS_PASSWORD, TLS_PASSPHRASE, OPAQUE_TOKEN]);

function record(response: RawResponse): RawResponse {
  outputs.push(`${response.status}\n${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n${response.text}`);
  return response;
}

/** Collects a server's stdout and stderr from its start. */
function capture(served: Served): void {
  served.process.stdout!.on('data', (chunk) => outputs.push(String(chunk)));
  served.process.stderr!.on('data', (chunk) => outputs.push(String(chunk)));
}

async function serve(config: unknown, env: Record<string, string> = {}): Promise<Served> {
  const served = await startServe(['--config', configFile(config), '--http', '127.0.0.1:0'], { MCP__LOGGING__LEVEL: 'trace', MCP__LOGGING__FORMAT: 'json', ...env });
  capture(served);
  outputs.push(served.url);
  return served;
}

async function configCheck(config: unknown, env: Record<string, string> = {}): Promise<number> {
  const result = await run(process.execPath, [CLI, 'config', 'check', configFile(config)], { env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  outputs.push(result.stdout, result.stderr);
  return result.code;
}

describe('secrets never appear in any output', () => {
  let jwks: JwksServer;
  let redis: RedisServer;
  let introspection: Server;
  let introspectionUrl: string;
  let introspectionDown = false;

  before(async () => {
    jwks = await new JwksServer().start();
    redis = await RedisServer.start('another-password');
    introspection = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (introspectionDown) return void res.writeHead(500).end('{"error":"server_error"}');
        // The client secret is not the one this endpoint expects: an error answer.
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      });
    });
    await new Promise<void>((resolve) => introspection.listen(0, '127.0.0.1', resolve));
    introspectionUrl = `http://127.0.0.1:${(introspection.address() as AddressInfo).port}/introspect`;
  });
  after(async () => {
    await jwks.close();
    await redis.stop();
    introspection.closeAllConnections();
    await new Promise((resolve) => introspection.close(resolve));
  });

  it('API key mode, a Redis that refuses the password, rate limits, scopes, sessions', async () => {
    const redisUrl = redis.url.replace('redis://', `redis://:${REDIS_PASSWORD}@`);
    const served = await serve(
      {
        server: { requestStateSecret: STATE_SECRET },
        auth: { mode: 'apiKey', apiKeys: { ci: { key: API_KEY } }, toolScopes: { add: ['math'] } },
        rateLimits: { store: 'redis', redis: { url: redisUrl }, perTool: { limit: 2, windowSeconds: 60 } },
      },
      { MCP__AUTH__APIKEYS__OPS__KEY: ENV_API_KEY },
    );
    try {
      for (const key of [API_KEY, ENV_API_KEY, WRONG_KEY, undefined, `${API_KEY} trailing`]) {
        record(await call(served.url, key, 'echo', { text: 'hi' }));
        record(await call(served.url, key, 'add', { a: 1, b: 2 }));
        record(await call(served.url, key, 'fail', {}));
        record(await call(served.url, key, 'nope', {}));
        record(await modern(served.url, key, 'tools/list'));
      }
      record(await post(served.url, '{not json', bearer(API_KEY)));
      record(await post(served.url, {}, { 'x-api-key': WRONG_KEY }));
      const sessionId = await initialize(served.url, API_KEY);
      record(await legacyCall(served.url, sessionId, API_KEY, 'echo', { text: 'legacy' }));
      record(await legacyCall(served.url, sessionId, ENV_API_KEY, 'echo', { text: 'stolen' }));
      // The Redis password was refused: reported, without the URL or the password.
      await served.stderrLine(/rate-limit store \(Redis\) failed/);
    } finally {
      await stopServe(served);
    }
  });

  it('JWT mode: good, expired, foreign and unsigned tokens, and a key set that fails', async () => {
    const served = await serve({ auth: { mode: 'jwt', jwt: { jwksUrl: jwks.jwksUrl, issuer: jwks.issuer, jwksCooldownMs: 0 }, requiredScopes: ['mcp'] } });
    try {
      const tokens = [
        await jwks.token({ audience: served.url, scope: 'mcp' }),
        await jwks.token({ audience: served.url, scope: 'other' }),
        await jwks.token({ audience: served.url, scope: 'mcp', expiresIn: -600 }),
        await jwks.token({ audience: 'https://elsewhere.example.com/mcp', scope: 'mcp' }),
        await jwks.token({ audience: served.url, scope: 'mcp', foreignKid: 'key-1' }),
        jwks.unsigned({ audience: served.url, scope: 'mcp' }),
      ];
      jwks.failWith = 500;
      tokens.push(await jwks.token({ audience: served.url, scope: 'mcp', foreignKid: 'rotated' }));
      for (const token of tokens) {
        secrets.add(token);
        secrets.add(token.split('.')[2] || token);
        record(await call(served.url, token, 'echo', { text: 'hi' }));
        record(await call(served.url, token, 'ask', { question: 'q' }));
        const got = await fetch(served.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': 'x', ...bearer(token) } });
        outputs.push(`${got.status} ${[...got.headers].join(' ')} ${await got.text()}`);
      }
      await served.stderrLine(/access token verification/);
    } finally {
      jwks.failWith = undefined;
      await stopServe(served);
    }
  });

  it('introspection mode: an endpoint that refuses the client, then fails', async () => {
    const served = await serve({
      auth: { mode: 'introspection', authorizationServers: ['https://auth.example.test'], introspection: { endpoint: introspectionUrl, clientId: 'mcp', clientSecret: CLIENT_SECRET } },
    });
    try {
      record(await call(served.url, OPAQUE_TOKEN, 'echo', { text: 'hi' }));
      introspectionDown = true;
      record(await call(served.url, `${OPAQUE_TOKEN}-2`, 'echo', { text: 'hi' }));
      await served.stderrLine(/introspection endpoint answered HTTP/);
    } finally {
      introspectionDown = false;
      await stopServe(served);
    }
  });

  it('config check: valid and invalid files, secrets from files and the environment', async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'ca');
    const server = await makeCertificate(dir, ca, 'server', 'server');
    const encrypted = join(dir, 'encrypted.key');
    await run('openssl', ['pkey', '-in', server.keyFile, '-out', encrypted, '-aes256', '-passout', `pass:${TLS_PASSPHRASE}`]);
    const valid = {
      server: { requestStateSecret: STATE_SECRET },
      tls: { certFile: server.certFile, keyFile: encrypted, passphrase: TLS_PASSPHRASE },
      auth: { mode: 'introspection', authorizationServers: ['https://auth.example.test'], introspection: { endpoint: 'https://auth.example.test/introspect', clientId: 'mcp', clientSecret: CLIENT_SECRET } },
      rateLimits: { store: 'redis', redis: { url: `redis://:${REDIS_PASSWORD}@redis.internal:6379` }, perClient: { limit: 10, windowSeconds: 1 } },
    };
    assert.equal(await configCheck(valid, { MCP__AUTH__APIKEYS__OPS__KEY: ENV_API_KEY }), 0);
    assert.match(outputs.at(-2)!, /"clientSecret": "\(hidden\)"/);
    // Each secret where it does not belong, or of the wrong shape: named, never shown.
    const invalid: unknown[] = [
      { ...valid, tls: { ...valid.tls, passphrase: `${TLS_PASSPHRASE}-wrong` } },
      { auth: { mode: 'apiKey', apiKeys: { ci: { key: 'short-SECRET' } } } },
      { auth: { apiKeys: { ci: { key: API_KEY, extra: API_KEY } } } },
      { auth: { mode: 'apiKey', apiKeys: { ci: { key: API_KEY, sha256: 'f'.repeat(64) } } } },
      { rateLimits: { redis: { url: `http://:${REDIS_PASSWORD}@redis.internal` } } },
      { server: { requestStateSecret: 12345678 }, auth: { introspection: { clientSecret: [CLIENT_SECRET] } } },
    ];
    secrets.add('short-SECRET');
    for (const config of invalid) assert.equal(await configCheck(config), 2, JSON.stringify(config).slice(0, 80));
    assert.equal(await configCheck({}, { MCP__AUTH__INTROSPECTION__CLIENTSECRET: '', MCP__AUTH__APIKEYS__X__KEY: 'short-SECRET' }), 2);
  });

  it('found none of them in any output', () => {
    const all = outputs.join('\n');
    assert.ok(all.length > 10_000, `enough output was searched (${all.length} characters)`);
    assert.match(all, /"msg":"refused"/, 'refusals were logged');
    assert.match(all, /"msg":"request"/, 'requests were logged');
    for (const secret of secrets) assert.ok(!all.includes(secret), `a secret appeared in the output: ${secret.slice(0, 12)}...`);
  });
});
