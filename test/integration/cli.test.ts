/** The `mcp-core` binary as users run it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { callTool } from '../helpers/http.ts';
import { CLI, startHttpServer } from '../helpers/processes.ts';

const run = promisify(execFile);

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
    assert.match((config as { stderr: string }).stderr, /MCP__HTTP__PORT must be a non-negative number/);
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
