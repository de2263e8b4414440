/** `npm run build` produces the library and a working `mcp-core` binary. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MODERN_META } from '../helpers/http.ts';
import { ROOT } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const run = promisify(execFile);
const SMALL_LIMITS = fileURLToPath(new URL('../fixtures/small-limits.yaml', import.meta.url));

describe('build', () => {
  it('compiles the library with types and bundles a binary that serves', async () => {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
    await run(process.execPath, [join(ROOT, 'scripts/bundle-cli.ts')], { cwd: ROOT });
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/bin/mcp-core.js']) {
      assert.ok(existsSync(join(ROOT, file)), `${file} exists`);
    }
    const library = await import(join(ROOT, 'dist/index.js'));
    assert.equal(typeof library.McpServer, 'function');
    const peer = new RawStdio(process.execPath, [join(ROOT, 'dist/bin/mcp-core.js'), 'serve', '--stdio', '--demo']);
    try {
      peer.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'built' }, _meta: MODERN_META } });
      assert.equal((await peer.next()).result.content[0].text, 'built');
    } finally {
      await peer.close();
    }
    // The binary validates config with the precompiled validator, with the same messages.
    const bad = await run(process.execPath, [join(ROOT, 'dist/bin/mcp-core.js'), 'config', 'check', SMALL_LIMITS], { env: { ...process.env, MCP__HTTP__PORT: '70000', MCP__HTTP__PROT: '1' } }).catch((e: { code: number; stderr: string }) => e);
    assert.match((bad as { stderr: string }).stderr, /MCP__HTTP__PROT does not name a setting/);
    const range = await run(process.execPath, [join(ROOT, 'dist/bin/mcp-core.js'), 'config', 'check', SMALL_LIMITS], { env: { ...process.env, MCP__HTTP__PORT: '70000' } }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((range as { code: number }).code, 2);
    assert.equal((range as { stderr: string }).stderr, 'mcp-core: MCP__HTTP__PORT: http.port is 70000; expected an integer from 0 to 65535\n');
    const good = await run(process.execPath, [join(ROOT, 'dist/bin/mcp-core.js'), 'config', 'check', SMALL_LIMITS]);
    assert.equal(JSON.parse(good.stdout.slice(good.stdout.indexOf('\n'))).http.maxBodyBytes, 65536);
  });
});
