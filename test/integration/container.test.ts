/**
 * The container image: the Dockerfile built by podman (from a stand-in of its base image made
 * from this machine's files, as no image registry can be reached), run the way compose.yaml
 * runs it. It answers /healthz and MCP, passes its own HEALTHCHECK, runs node as PID 1 under
 * an unprivileged user with production dependencies only, and on `podman stop` (SIGTERM)
 * lets the call in flight finish and exits 0.
 *
 * Where podman cannot run a container, the test says why in its skip and checks the
 * Dockerfile's steps outside a container instead.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { certificateDir, makeCa, makeCertificate } from '../helpers/certificates.ts';
import { callTool } from '../helpers/http.ts';
import { baseImageOf, ensureBaseImage, removeStaleBuilds } from '../helpers/node-base-image.ts';
import { Podman, testContainersConf, whyContainersCannotRun } from '../helpers/podman.ts';
import { ROOT, startUrlServer } from '../helpers/processes.ts';
import { startServe } from '../helpers/served.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);
const HEALTHCHECK = join(ROOT, 'container/healthcheck.js');
/** The image the tests build; kept between runs so that podman's layer cache is too. */
const IMAGE = 'localhost/mcp-core:test';
const SERVICE = 'mcp-core';

const conf = await testContainersConf();
after(() => conf.remove());
const podman = new Podman(process.env.MCP_CORE_TEST_PODMAN ?? 'podman', conf.path);
const unavailable = await whyContainersCannotRun(podman);

interface ComposeRun {
  /** `podman run` options for the service, before the image. */
  options: string[];
  /** The service's command, after the image (empty: the image's CMD). */
  command: string[];
  /** stop_grace_period, in seconds. */
  stopSeconds: number;
}

/** Keys of a compose service this translation knows; any other fails the test (teach it here). */
const COMPOSE_KEYS = new Set(['build', 'image', 'volumes', 'environment', 'ports', 'stop_grace_period', 'read_only', 'tmpfs', 'cap_drop', 'security_opt', 'restart', 'command']);

/** compose.yaml's service as `podman run` options, on the host's network (no published ports). */
function composeRun(service: Record<string, any>): ComposeRun {
  const unknown = Object.keys(service).filter((key) => !COMPOSE_KEYS.has(key));
  assert.deepEqual(unknown, [], 'compose.yaml uses keys the container test does not run');
  assert.equal(service.build, '.', 'the service is built from the Dockerfile beside compose.yaml');
  // The port the image listens on, published by compose; here, the host network gives it.
  for (const port of service.ports ?? []) assert.match(String(port), /:3000$/);
  const options: string[] = [];
  for (const volume of service.volumes ?? []) {
    const [source, ...rest] = String(volume).split(':');
    options.push('--volume', [source.startsWith('.') ? join(ROOT, source) : source, ...rest].join(':'));
  }
  for (const [name, value] of Object.entries(service.environment ?? {})) options.push('--env', `${name}=${value}`);
  if (service.read_only) options.push('--read-only');
  for (const path of service.tmpfs ?? []) options.push('--tmpfs', path);
  for (const capability of service.cap_drop ?? []) options.push('--cap-drop', capability);
  for (const option of service.security_opt ?? []) options.push('--security-opt', option);
  const grace = /^(\d+)s$/.exec(String(service.stop_grace_period ?? '10s'));
  assert.ok(grace, 'stop_grace_period is in seconds');
  return { options, command: service.command ?? [], stopSeconds: Number(grace[1]) };
}

/** A legacy (2025-11-25) session whose client can answer elicitation; returns its headers. */
async function elicitingSession(url: string): Promise<Record<string, string>> {
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 'container-test', version: '1.0.0' } } }),
  });
  await init.text();
  const session = init.headers.get('mcp-session-id');
  assert.ok(init.status === 200 && session, `initialize answered ${init.status}`);
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return headers;
}

async function checkHealthz(base: string): Promise<void> {
  const response = await fetch(`${base}/healthz`);
  assert.equal(response.status, 200);
  const health = (await response.json()) as { status: string; tools_available: number };
  assert.equal(health.status, 'ok');
  assert.ok(health.tools_available > 0, 'the demo tools of the mounted config are registered');
}

if (unavailable !== undefined) {
  describe('container image (outside a container)', () => {
    it('is built, run and stopped in podman', { skip: `podman cannot run containers on this machine: ${unavailable}` }, () => {});

    it("the Dockerfile's steps work outside a container: production install, build, the binary serves /healthz and MCP, the healthcheck passes, SIGTERM exits 0", { timeout: 600_000 }, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mcp-core-image-steps-'));
      try {
        // Stage `dependencies`: npm ci --omit=dev --ignore-scripts.
        const app = join(dir, 'app');
        await mkdir(app);
        for (const file of ['package.json', 'package-lock.json']) await copyFile(join(ROOT, file), join(app, file));
        await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
        const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
        for (const name of Object.keys(pkg.dependencies)) await readFile(join(app, 'node_modules', name, 'package.json'));
        await assert.rejects(readFile(join(app, 'node_modules/typescript/package.json')), 'no dev dependency is installed');
        // Stage `build`: npm run build on the sources (the dev dependencies of this checkout).
        const build = join(dir, 'build');
        await mkdir(build);
        for (const path of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'schema', 'src']) await cp(join(ROOT, path), join(build, path), { recursive: true });
        await symlink(join(ROOT, 'node_modules'), join(build, 'node_modules'));
        await run('npm', ['run', 'build'], { cwd: build, maxBuffer: 64 * 1024 * 1024 });
        // The final stage, run as its ENTRYPOINT and CMD do (on loopback: this is the machine's network).
        await cp(join(build, 'dist'), join(app, 'dist'), { recursive: true });
        await cp(join(ROOT, 'container'), join(app, 'container'), { recursive: true });
        const served = await startUrlServer(process.execPath, [join(app, 'dist/bin/mcp-core.js'), 'serve', '--config', join(app, 'container/config.yaml'), '--demo'], 'SIGTERM', {
          ...process.env,
          NODE_ENV: 'production',
          MCP__HTTP__HOST: '127.0.0.1',
          MCP__HTTP__PORT: '0',
        });
        const exited = new Promise<number | null>((resolve) => served.process.once('exit', resolve));
        const port = new URL(served.url).port;
        await checkHealthz(`http://127.0.0.1:${port}`);
        const called = await callTool(served.url, 1, 'echo', { text: 'from the image' });
        assert.equal(called.json.result.content[0].text, 'from the image');
        const health = await run(process.execPath, [join(app, 'container/healthcheck.js')], { env: { ...process.env, MCP__HTTP__PORT: port } });
        assert.match(health.stdout, /^healthy/);
        served.process.kill('SIGTERM');
        assert.equal(await exited, 0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
} else {
  describe('container image, in podman', () => {
    let image = '';
    const name = `mcp-core-test-${process.pid}`;
    after(() => podman.status(['rm', '--force', '--time', '0', name]));

    it('builds from the Dockerfile without pulling: node as entrypoint, user node, HEALTHCHECK on /healthz, listening on 0.0.0.0:3000', { timeout: 900_000 }, async () => {
      const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
      const base = baseImageOf(dockerfile);
      await ensureBaseImage(podman, base);
      const previous = await podman.status(['image', 'inspect', '--format', '{{.Id}}', IMAGE]);
      const dir = await mkdtemp(join(tmpdir(), 'mcp-core-build-'));
      try {
        // --format docker: the OCI format has no HEALTHCHECK. --network host: RUN steps (npm ci)
        // reach the npm registry without a bridge network.
        await podman.run(['build', '--pull=never', '--format', 'docker', '--network', 'host', '--runtime', 'runc', '--iidfile', join(dir, 'id'), '--tag', IMAGE, '--file', join(ROOT, 'Dockerfile'), ROOT], {
          timeoutMs: 850_000,
        });
        image = (await readFile(join(dir, 'id'), 'utf8')).trim();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      // The image this one replaces under the tag goes (its layers stay while cached steps use them).
      const old = previous.output.trim();
      if (previous.code === 0 && old !== image.replace(/^sha256:/, '')) await podman.status(['rmi', old]);
      await removeStaleBuilds(podman);

      const [config] = JSON.parse((await podman.run(['image', 'inspect', image])).stdout);
      assert.equal(config.Config.User, 'node');
      assert.deepEqual(config.Config.Entrypoint, ['node', '/app/dist/bin/mcp-core.js']);
      assert.deepEqual(config.Config.Cmd, ['serve', '--config', '/etc/mcp-core/config.yaml']);
      // podman shows the HEALTHCHECK beside Config, docker inside it.
      assert.deepEqual((config.Healthcheck ?? config.Config.Healthcheck).Test, ['CMD', 'node', '/app/container/healthcheck.js']);
      assert.equal(config.Config.StopSignal, 'SIGTERM');
      assert.ok('3000/tcp' in config.Config.ExposedPorts);
      for (const entry of ['NODE_ENV=production', 'MCP__HTTP__HOST=0.0.0.0', 'MCP__HTTP__PORT=3000']) assert.ok(config.Config.Env.includes(entry), `ENV ${entry}`);
      // The image's own config file, under its environment: what a bare `docker run` serves.
      const checked = await podman.run(['run', '--rm', '--network', 'host', '--runtime', 'runc', image, 'config', 'check', '/etc/mcp-core/config.yaml']);
      const effective = JSON.parse(checked.stdout.slice(checked.stdout.indexOf('\n')));
      assert.deepEqual([effective.http.host, effective.http.port, effective.server.shutdownDeadlineMs], ['0.0.0.0', 3000, 8000]);
    });

    it('runs as compose.yaml runs it: /healthz, its HEALTHCHECK, an MCP call; node is PID 1, uid 1000, production dependencies only; podman stop drains the call in flight and it exits 0', { timeout: 300_000 }, async () => {
      assert.ok(image, 'the image was built');
      const compose = parse(await readFile(join(ROOT, 'compose.yaml'), 'utf8'));
      const service = composeRun(compose.services[SERVICE]);
      const port = await freePort();
      await podman.run([
        'run', '--detach', '--name', name, '--network', 'host', '--runtime', 'runc',
        ...service.options,
        // The host's network: a free port instead of the published 3000.
        '--env', `MCP__HTTP__PORT=${port}`,
        image, ...service.command,
      ]);
      await podman.logLine(name, /mcp-core serving Streamable HTTP at http:\/\/0\.0\.0\.0:/);
      const base = `http://127.0.0.1:${port}`;
      const url = `${base}/mcp`;

      await checkHealthz(base);
      const healthcheck = await podman.status(['healthcheck', 'run', name]);
      assert.equal(healthcheck.code, 0, `the image's HEALTHCHECK passes: ${healthcheck.output}`);
      const called = await callTool(url, 1, 'echo', { text: 'from the container' });
      assert.equal(called.json.result.content[0].text, 'from the container');

      const inside = await podman.run(['exec', name, 'node', '-e', `
        const fs = require('node:fs');
        const status = fs.readFileSync('/proc/1/status', 'utf8');
        console.log(JSON.stringify({
          pid1: fs.readFileSync('/proc/1/cmdline', 'utf8').split('\\0').filter(Boolean),
          uid: status.match(/^Uid:\\s+(\\d+)/m)[1],
          modules: fs.readdirSync('/app/node_modules').flatMap((name) => name.startsWith('@') ? fs.readdirSync('/app/node_modules/' + name).map((inner) => name + '/' + inner) : [name]),
          app: fs.readdirSync('/app'),
          config: fs.readFileSync('/etc/mcp-core/config.yaml', 'utf8'),
        }));`]);
      const seen = JSON.parse(inside.stdout);
      assert.deepEqual(seen.pid1.slice(0, 3), ['node', '/app/dist/bin/mcp-core.js', 'serve']);
      assert.equal(seen.uid, '1000');
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
      for (const dependency of Object.keys(pkg.dependencies)) assert.ok(seen.modules.includes(dependency), `${dependency} is installed`);
      for (const dependency of Object.keys(pkg.devDependencies)) assert.ok(!seen.modules.includes(dependency), `the dev dependency ${dependency} is not installed`);
      assert.deepEqual(seen.app.sort(), ['container', 'dist', 'node_modules', 'package.json', 'schema']);
      assert.equal(seen.config, await readFile(join(ROOT, 'examples/container/mcp-core.yaml'), 'utf8'), 'the mounted config file is the one read');

      // A call held in flight by the server's own question (elicitation), answered only once the
      // server has taken SIGTERM: it must still finish, then the process exits 0.
      const session = await elicitingSession(url);
      const call = await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Stop now?' } } }) });
      const stream = new SseReader(call);
      const question = await stream.nextMessage();
      assert.equal(question.method, 'elicitation/create');
      const draining = podman.logLine(name, /SIGTERM: shutting down/);
      const stopped = podman.run(['stop', '--time', String(service.stopSeconds), name], { timeoutMs: (service.stopSeconds + 60) * 1000 });
      await draining;
      const refused = await callTool(url, 3, 'echo', { text: 'too late' });
      assert.equal(refused.status, 503, 'new work is refused while draining');
      const answered = await fetch(url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { answer: 'yes, after this' } } }) });
      assert.equal(answered.status, 202);
      const rest = await stream.rest();
      assert.equal(rest.find((message) => message.id === 2)?.result?.content?.[0]?.text, 'yes, after this');
      await stopped;
      const state = JSON.parse((await podman.run(['inspect', '--format', '{{json .State}}', name])).stdout);
      assert.equal(state.ExitCode, 0, 'exit 0 after the drain, not a SIGKILL (137)');
    });
  });
}

describe('container/healthcheck.js', () => {
  it('passes against a TLS listener (found when plain HTTP fails) and fails, saying why, when nothing listens', { timeout: 120_000 }, async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'ca');
    const certificate = await makeCertificate(dir, ca, 'server', 'server');
    const served = await startServe(['--http', '127.0.0.1:0'], { MCP__TLS__CERTFILE: certificate.certFile, MCP__TLS__KEYFILE: certificate.keyFile });
    try {
      assert.match(served.url, /^https:/);
      const port = new URL(served.url).port;
      const passed = await run(process.execPath, [HEALTHCHECK], { env: { ...process.env, MCP__HTTP__PORT: port } });
      assert.equal(passed.stdout, `healthy: 127.0.0.1:${port}/healthz\n`);
    } finally {
      served.process.kill('SIGTERM');
      await served.exited;
      await rm(dir, { recursive: true, force: true });
    }
    const closed = String(await freePort());
    const failed = await run(process.execPath, [HEALTHCHECK], { env: { ...process.env, MCP__HTTP__PORT: closed } }).catch((error: { code: number; stdout: string }) => error);
    assert.equal((failed as { code: number }).code, 1);
    assert.match((failed as { stdout: string }).stdout, /^unhealthy: 127\.0\.0\.1:\d+\/healthz: .*ECONNREFUSED/);
  });
});

