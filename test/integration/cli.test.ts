/** The `mcp-core` binary as users run it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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
    assert.match((config as { stderr: string }).stderr, /MCP__HTTP__PORT must be a port number from 0 to 65535/);
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
    assert.equal(settings.server.requestStateSecret, '(set, hidden)');

    const bad = await run(process.execPath, [CLI, 'config', 'check', SMALL_LIMITS], { env: { ...process.env, MCP__WORKERS: '0' } }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((bad as { code: number }).code, 2);
    assert.match((bad as { stderr: string }).stderr, /MCP__WORKERS must be a whole number, at least 1/);
    const missing = await run(process.execPath, [CLI, 'config', 'check', 'no-such-file.yaml']).catch((e: { code: number; stderr: string }) => e);
    assert.equal((missing as { code: number }).code, 2);
    assert.match((missing as { stderr: string }).stderr, /Cannot read config file no-such-file\.yaml/);
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
