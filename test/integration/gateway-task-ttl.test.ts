/**
 * A task's `ttlMs` (tasks extension: how long the task and its result are kept, required in
 * every task) through a real `mcp-core serve --stdio` gateway in front of
 * test/fixtures/scripted-upstream.ts speaking 2026-07-28.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MODERN_META } from '../helpers/http.ts';
import { scratch, writeConfig } from '../helpers/gateway.ts';
import { CLI, ROOT } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const TASKS_META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
const STAMP = '2026-01-01T00:00:00Z';

describe('a task\'s ttlMs', () => {
  it('regression: reaches the caller in tasks/get and in the handle of a call made as a task; it was taken for a cache hint and dropped, and both answers lacked a member the spec requires', { timeout: 120_000 }, async () => {
    const dir = await scratch();
    const script = join(dir, 'script.json');
    const config = await writeConfig(dir, { mcpServers: { up: { command: process.execPath, args: [join(ROOT, 'test/fixtures/scripted-upstream.ts'), '--era', 'modern', '--script', script], era: 'modern' } }, gateway: { watch: false } });
    const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--config', config]);
    const task = (ttlMs: number | null) => ({ resultType: 'task', taskId: 'abc', status: 'working', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs });
    const done = (ttlMs: number | null) => ({ resultType: 'complete', taskId: 'abc', status: 'completed', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs, result: { content: [] } });
    try {
      for (const ttlMs of [60_000, null]) {
        await writeFile(script, JSON.stringify({ answers: { 'tools/call': { kind: 'result', text: JSON.stringify(task(ttlMs)) }, 'tasks/get': { kind: 'result', text: JSON.stringify(done(ttlMs)) } } }));
        peer.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up__t', arguments: {}, _meta: TASKS_META } });
        const handle = (await peer.next()).result;
        assert.equal(handle?.taskId, 'up__abc', JSON.stringify(handle));
        assert.equal(handle.ttlMs, ttlMs);
        peer.send({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { taskId: 'up__abc', _meta: TASKS_META } });
        const got = (await peer.next()).result;
        assert.equal(got?.status, 'completed', JSON.stringify(got));
        assert.equal(got.ttlMs, ttlMs);
      }
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
  });
});
