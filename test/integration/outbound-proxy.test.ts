/**
 * Outbound HTTP through the proxy the environment names (HTTP_PROXY, NO_PROXY), through a real
 * proxy (Debian's tinyproxy): a gateway's HTTP upstream is reached through it, and so is the
 * authorization server `serve` asks about tokens; NO_PROXY names a host reached directly.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { call, configFile, text } from '../helpers/auth-requests.ts';
import { AuthorizationServer } from '../helpers/authorization-server.ts';
import { freePort } from '../helpers/ports.ts';
import { CLI } from '../helpers/processes.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const run = promisify(execFile);
const TINYPROXY_MISSING = spawnSync('tinyproxy', ['-v']).error === undefined ? false : 'tinyproxy is not installed (Debian: apt-get install tinyproxy; CI installs it in .ci/run)';

interface Proxy {
  url: string;
  log(): Promise<string>;
  process: ChildProcess;
}

async function startTinyproxy(dir: string): Promise<Proxy> {
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  const conf = join(dir, 'tinyproxy.conf');
  await writeFile(conf, [`Port ${port}`, 'Listen 127.0.0.1', 'Allow 127.0.0.1', 'Timeout 30', `LogFile "${logFile}"`, 'LogLevel Info', 'MaxClients 50', ''].join('\n'));
  const child = spawn('tinyproxy', ['-d', '-c', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 100; tries++) {
    if (child.exitCode !== null) break;
    const up = await fetch(url).then(
      () => true,
      () => false,
    );
    if (up) return { url, process: child, log: () => readFile(logFile, 'utf8').catch(() => '') };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('tinyproxy did not start');
}

describe('outbound HTTP through the environment\'s proxy', { skip: TINYPROXY_MISSING }, () => {
  let dir: string;
  let proxy: Proxy;
  let upstream: Served;
  let config: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-core-proxy-'));
    proxy = await startTinyproxy(dir);
    upstream = await startServe(['--http', '127.0.0.1:0']);
    config = join(dir, 'gateway.json');
    await writeFile(config, JSON.stringify({ mcpServers: { far: { url: upstream.url } } }));
  });
  after(async () => {
    proxy?.process.kill('SIGTERM');
    if (upstream !== undefined) await stopServe(upstream);
  });

  const callThroughGateway = (env: Record<string, string>) =>
    run(process.execPath, [CLI, 'call', 'far__echo', '--args', '{"text":"over the proxy"}', '--config', config], { env: { ...process.env, ...env } });

  it("reaches a gateway's HTTP upstream through HTTP_PROXY", async () => {
    const { stdout } = await callThroughGateway({ HTTP_PROXY: proxy.url, NO_PROXY: '' });
    assert.match(stdout, /over the proxy/);
    assert.match(await proxy.log(), new RegExp(`POST ${upstream.url.replace(/[.]/g, '\\.')}`), 'the request went through the proxy');
  });

  it('asks the authorization server about a token (introspection, on the global fetch) through HTTP_PROXY', async () => {
    const as = await new AuthorizationServer().start();
    const resource = 'https://mcp.example.test/mcp';
    as.introspect = () => ({ kind: 'json', body: { active: true, sub: 'alice', aud: resource, exp: Math.floor(Date.now() / 1000) + 600 } });
    const config = configFile({ auth: { mode: 'introspection', resource, authorizationServers: [as.base], introspection: { endpoint: `${as.base}/introspect`, clientId: 'mcp', clientSecret: 'secret' } } });
    const served = await startServe(['--config', config, '--http', '127.0.0.1:0'], { HTTP_PROXY: proxy.url, NO_PROXY: '' });
    try {
      assert.equal(text(await call(served.url, 'a-token', 'whoami')), 'alice');
      assert.match(await proxy.log(), new RegExp(`POST ${as.base.replace(/[.]/g, '\\.')}/introspect`));
    } finally {
      await stopServe(served);
      await as.close();
    }
  });

  it('reaches a host NO_PROXY names directly', async () => {
    const before = (await proxy.log()).length;
    const { stdout } = await callThroughGateway({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    assert.match(stdout, /over the proxy/);
    assert.doesNotMatch((await proxy.log()).slice(before), /POST http:\/\/127\.0\.0\.1/);
  });
});
