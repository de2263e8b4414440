/** The `mcp-core` binary as users run it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { callTool } from '../helpers/http.ts';
import { CLI, startHttpServer } from '../helpers/processes.ts';

const run = promisify(execFile);
const SMALL_LIMITS = fileURLToPath(new URL('../fixtures/small-limits.yaml', import.meta.url));

describe('mcp-core CLI', () => {
  it('prints usage and version', async () => {
    const help = await run(process.execPath, [CLI, '--help']);
    assert.match(help.stdout, /Usage: mcp-core <command>/);
    const version = await run(process.execPath, [CLI, '--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('exits 2 with a clear message on bad usage or configuration', async () => {
    const bad = await run(process.execPath, [CLI, 'serve', '--http', 'nowhere']).catch((e: { code: number; stderr: string }) => e);
    assert.equal((bad as { code: number }).code, 2);
    assert.match((bad as { stderr: string }).stderr, /--http expects HOST:PORT/);
    const env = { ...process.env, MCP__HTTP__PORT: 'eighty' };
    const config = await run(process.execPath, [CLI, 'serve'], { env }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((config as { code: number }).code, 2);
    assert.match((config as { stderr: string }).stderr, /^mcp-core: MCP__HTTP__PORT: http\.port is "eighty"; expected an integer from 0 to 65535\n$/);
    const everyWorkerItsOwnPort = { ...process.env, MCP__METRICS__ENABLED: 'true', MCP__METRICS__PORT: '0' };
    const workers = await run(process.execPath, [CLI, 'serve', '--workers', '2'], { env: everyWorkerItsOwnPort }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((workers as { code: number }).code, 2);
    assert.match((workers as { stderr: string }).stderr, /metrics\.port 0 with workers/);
  });

  it('checks a config file with the environment over it, printing the result with secrets hidden', async () => {
    const env = { ...process.env, MCP__HTTP__PORT: '8123', MCP__SERVER__REQUESTSTATESECRET: 'do-not-print-me' };
    const ok = await run(process.execPath, [CLI, 'config', 'check', SMALL_LIMITS], { env });
    const [first, ...rest] = ok.stdout.split('\n');
    assert.equal(first, `${SMALL_LIMITS}: valid`);
    const settings = JSON.parse(rest.join('\n'));
    assert.equal(settings.http.maxBodyBytes, 65536, 'from the file');
    assert.equal(settings.http.port, 8123, 'from the environment');
    assert.equal(settings.http.path, '/mcp', 'from the defaults');
    assert.doesNotMatch(ok.stdout, /do-not-print-me/);
    assert.equal(settings.server.requestStateSecret, '(hidden)');

    const bad = await run(process.execPath, [CLI, 'config', 'check', SMALL_LIMITS], { env: { ...process.env, MCP__WORKERS: '0' } }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((bad as { code: number }).code, 2);
    assert.match((bad as { stderr: string }).stderr, /MCP__WORKERS: workers is 0; expected an integer from 1 to 256/);
    const missing = await run(process.execPath, [CLI, 'config', 'check', 'no-such-file.yaml']).catch((e: { code: number; stderr: string }) => e);
    assert.equal((missing as { code: number }).code, 2);
    assert.match((missing as { stderr: string }).stderr, /Cannot read config file no-such-file\.yaml/);
  });

  it('config check never prints a secret, from a file, an override file or the environment, valid or not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-core-secrets-'));
    const base = join(dir, 'base.yaml');
    const override = join(dir, 'override.json');
    await writeFile(base, 'server:\n  requestStateSecret: secret-from-base-file\n');
    await writeFile(override, JSON.stringify({ server: { requestStateSecret: 'secret-from-override-file' } }));
    const ok = await run(process.execPath, [CLI, 'config', 'check', base, override]);
    assert.equal(JSON.parse(ok.stdout.slice(ok.stdout.indexOf('\n'))).server.requestStateSecret, '(hidden)');
    const fromEnv = await run(process.execPath, [CLI, 'config', 'check', base], { env: { ...process.env, MCP__SERVER__REQUESTSTATESECRET: 'secret-from-env' } });
    const invalid = join(dir, 'invalid.yaml');
    await writeFile(invalid, 'server:\n  requestStateSecret: { nested: secret-in-a-wrong-shape }\nworkers: 0\n');
    const bad = await run(process.execPath, [CLI, 'config', 'check', invalid]).catch((e: { code: number; stdout: string; stderr: string }) => e);
    assert.equal((bad as { code: number }).code, 2);
    assert.match((bad as { stderr: string }).stderr, /server\.requestStateSecret is \(hidden\); expected a non-empty string/);
    for (const output of [ok.stdout, ok.stderr, fromEnv.stdout, fromEnv.stderr, (bad as { stdout: string }).stdout, (bad as { stderr: string }).stderr]) {
      assert.doesNotMatch(output, /secret-from|secret-in-a-wrong-shape/);
    }
  });

  it('serves HTTP on the configured address with embedded defaults, and stops on SIGTERM', async () => {
    // No --http: the embedded default (127.0.0.1, /mcp) with the port taken from the environment.
    const server = await startHttpServerWithEnv({ MCP__HTTP__PORT: '0', MCP__DEMO: 'true' });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const echoed = await callTool(server.url, 1, 'echo', { text: 'defaults' });
      assert.equal(echoed.json.result.content[0].text, 'defaults');
    } finally {
      await server.stop();
    }
    assert.equal(server.process.exitCode, 0);
  });
});

async function startHttpServerWithEnv(env: Record<string, string>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await startHttpServer(CLI, ['serve']);
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
  }
}
