/**
 * `mcp-core login URL` against a real authorization server and a protected mcp-core server:
 * a browser sign-in through the printed URL and the loopback redirect, tokens kept in a 0600
 * file and reused by the next run; client credentials from the environment; and secrets never
 * printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { TestOAuthServer } from '../fixtures/oauth-server.ts';
import { ProtectedMcpServer } from '../fixtures/protected-mcp-server.ts';
import { CLI } from '../helpers/processes.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStderr` sees each chunk of stderr (the sign-in URL arrives there). */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}, onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mcp-core login', () => {
  let as: TestOAuthServer;
  let resource: ProtectedMcpServer;
  let dir: string;

  before(async () => {
    as = await new TestOAuthServer().start();
    const server = new McpServer({ name: 'protected', version: '1.0.0' });
    server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, () => 'ok');
    resource = await new ProtectedMcpServer(server, as.issuer).start();
    dir = await mkdtemp(join(tmpdir(), 'mcp-core-login-'));
  });

  after(async () => {
    await Promise.all([as.close(), resource.close(), rm(dir, { recursive: true, force: true })]);
  });

  /** `mcp-core login` with a browser sign-in through the printed URL. */
  async function signIn(store: string): Promise<Run> {
    let opened: Promise<unknown> | undefined;
    const run = await runCli(['login', resource.url, '--token-store', store], {}, (text) => {
      const url = /https?:\/\/\S+\/authorize\S*/.exec(text)?.[0];
      // The user's browser: follows the redirects back to the CLI's loopback listener.
      if (url !== undefined && opened === undefined) opened = fetch(url).then((response) => response.text());
    });
    await opened;
    return run;
  }

  test('signs in through the printed URL, keeps the tokens in a 0600 file, and reuses them', async () => {
    const store = join(dir, 'tokens.json');
    const first = await signIn(store);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Signed in to .* \(1 tools\); tokens kept in/);
    assert.equal((await stat(store)).mode & 0o777, 0o600);
    const saved = JSON.parse(await readFile(store, 'utf8')) as { tokens: Record<string, { accessToken: string; issuer: string }> };
    assert.equal(saved.tokens[resource.url].issuer, as.issuer);
    const token = saved.tokens[resource.url].accessToken;
    assert.ok(!first.stdout.includes(token) && !first.stderr.includes(token));

    const authorizations = as.requests.filter((request) => request.path === '/authorize').length;
    const second = await runCli(['login', resource.url, '--token-store', store]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(as.requests.filter((request) => request.path === '/authorize').length, authorizations, 'the second run signed in again');
    assert.ok(resource.authorizations.includes(`Bearer ${token}`));
  });

  test('mcp-core tools and call reach the protected server with the sign-in `mcp-core login` kept (auth: oauth)', async () => {
    const store = join(dir, 'tools-tokens.json');
    assert.equal((await signIn(store)).code, 0);
    const config = join(dir, 'upstreams.json');
    await writeFile(config, JSON.stringify({ mcpServers: { protected: { url: resource.url, auth: { type: 'oauth', tokenStore: store } } } }));
    const authorizations = as.requests.filter((request) => request.path === '/authorize').length;
    const tools = await runCli(['tools', '--config', config]);
    assert.equal(tools.code, 0, tools.stderr);
    assert.match(tools.stdout, /^protected__echo\b/m);
    const call = await runCli(['call', 'protected__echo', '--args', '{"text":"hi"}', '--config', config]);
    assert.equal(call.code, 0, call.stderr);
    assert.equal(call.stdout, 'ok\n');
    assert.equal(as.requests.filter((request) => request.path === '/authorize').length, authorizations, 'no new sign-in');
    const token = (JSON.parse(await readFile(store, 'utf8')) as { tokens: Record<string, { accessToken: string }> }).tokens[resource.url].accessToken;
    assert.ok(resource.authorizations.includes(`Bearer ${token}`));
    assert.ok(![tools.stdout, tools.stderr, call.stdout, call.stderr].some((out) => out.includes(token)), 'the token was printed');
  });

  test("an authorization server's hostile fields reach the terminal escaped, and its refusal ends in one line without a stack", async () => {
    // A character a terminal obeys, but a newline.
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    as.metadataOverrides = { authorization_endpoint: `${as.issuer}/authorize?next=\x1b]8;;http://evil.example/\x07\u202e\x9b` };
    as.tokenRefusal = { error: 'invalid_grant\x1b[2J', error_description: 'refused\n[12:00:00.000] INFO (1): forged\x1b]52;c;aGk=\x07\u202e' };
    try {
      const run = await signIn(join(dir, 'hostile-tokens.json'));
      assert.equal(run.code, 1, run.stderr);
      assert.doesNotMatch(run.stderr, raw);
      assert.doesNotMatch(run.stderr, /^\[12:00:00\.000\]/m);
      assert.doesNotMatch(run.stderr, /"stack"|\n\s+at /, 'a stack trace');
      // The URL is printed as the URL parser writes it: percent-encoded.
      assert.match(run.stderr, /^ {2}http:\/\/127\.0\.0\.1:\d+\/authorize\?next=%1B%5D8%3B%3Bhttp%3A%2F%2Fevil\.example%2F%07%E2%80%AE%C2%9B&/m);
      const lines = run.stderr.split('\n').filter((line) => line !== '');
      assert.match(lines.at(-1)!, /^mcp-core: .*invalid_grant.*refused/);
    } finally {
      as.metadataOverrides = {};
      as.tokenRefusal = undefined;
    }
  });

  test('client credentials from the environment', async () => {
    as.registerClient('service', 'service-secret');
    const run = await runCli(['login', resource.url, '--client-id', 'service', '--client-secret-env', 'SERVICE_SECRET', '--issuer', as.issuer], { SERVICE_SECRET: 'service-secret' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(as.grantTypes('/token').at(-1), 'client_credentials');
    assert.ok(!run.stdout.includes('service-secret') && !run.stderr.includes('service-secret'));
  });

  test('a wrong secret fails with a clear message and no secret in it', async () => {
    const run = await runCli(['login', resource.url, '--client-id', 'service', '--client-secret-env', 'SERVICE_SECRET', '--issuer', as.issuer], { SERVICE_SECRET: 'wrong-secret' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /invalid_client/);
    assert.ok(!run.stderr.includes('wrong-secret'));
  });

  test('bad usage exits 2', async () => {
    for (const args of [['login'], ['login', 'ftp://x'], ['login', 'http://x', '--client-secret-env', 'X'], ['serve', '--client-id', 'x'], ['login', 'http://x', '--client-id', 'c', '--client-secret-env', 'HOME'], ['login', 'http://x', '--auth-timeout-ms', '0'], ['login', 'http://x', '--issuer', 'as.example'], ['login', 'http://x', '--workload-token', 'token.jwt']]) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    }
  });
});
