/** `npm run build` produces the library and a working `mcp-core` binary; `npm pack` a package that works once installed. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

describe('package', () => {
  it('npm pack builds dist/ and makes a package that installs, imports as in the README and runs its binary', { timeout: 300_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-core-pack-'));
    // npm pack runs the prepare script: the package is built from the sources, with or without a dist/ before.
    await rm(join(ROOT, 'dist'), { recursive: true, force: true });
    await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const [tarball] = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    const { stdout: listing } = await run('tar', ['-tzf', join(dir, tarball)]);
    const files = listing.split('\n').filter(Boolean);
    for (const file of ['package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/testing/index.js', 'package/dist/bin/mcp-core.js', 'package/schema/mcp-core.schema.json', 'package/README.md']) {
      assert.ok(files.includes(file), `${file} is in the package`);
    }
    assert.deepEqual(files.filter((file) => /^package\/(src|test|scripts|bench)\//.test(file)), [], 'sources and tests stay out');

    const project = join(dir, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-mcp-core', private: true, type: 'module' }));
    // Dependencies come from npm's cache, filled by the npm ci that set this checkout up.
    await run('npm', ['install', join(dir, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
    await writeFile(
      join(project, 'try.js'),
      `import { McpServer } from 'mcp-core';
import { connectInMemory } from 'mcp-core/testing';

const server = new McpServer({ name: 'weather', version: '1.0.0' });
server.tool('forecast', {
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}, async ({ city }) => \`Sunny in \${city}\`);

const { client, close } = await connectInMemory(server);
const result = await client.callTool('forecast', { city: 'Oslo' });
console.log(result.content[0].text);
await close();
`,
    );
    const tried = await run(process.execPath, ['try.js'], { cwd: project });
    assert.equal(tried.stdout, 'Sunny in Oslo\n');
    const bin = join(project, 'node_modules/.bin/mcp-core');
    assert.match((await run(process.execPath, [bin, '--version'])).stdout, /^\d+\.\d+\.\d+\n$/);
    const peer = new RawStdio(process.execPath, [bin, 'serve', '--stdio', '--demo']);
    try {
      peer.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'installed' }, _meta: MODERN_META } });
      assert.equal((await peer.next()).result.content[0].text, 'installed');
    } finally {
      await peer.close();
    }
  });
});
