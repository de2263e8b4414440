/**
 * A caller's params nested deeper than the gateway can write out again, against a real
 * `mcp-core serve --stdio` gateway in front of real upstreams: every route that passes the
 * caller's values on as they are (tools/call to either era, a call as a task, the tasks extension's
 * tasks/get, tasks/update and tasks/cancel) refuses them as the caller's (-32602).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MODERN_META } from '../helpers/http.ts';
import { fixture, scratch, writeConfig } from '../helpers/gateway.ts';
import { CLI, ROOT } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const TASKS_META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
const DEEP = '\u0000deep';
const nested = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;

describe('a caller\'s params nested 5,000 levels deep', () => {
  it('regression: are -32602 on every route to an upstream, not Internal error, and the gateway ends cleanly after (it died of a request left waiting)', { timeout: 120_000 }, async () => {
    const config = await writeConfig(await scratch(), { mcpServers: { modern: fixture(), legacy: fixture([], { era: 'legacy' }) }, gateway: { watch: false } });
    const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--config', config]);
    const requests: Array<[string, Record<string, unknown>]> = [
      ['tools/call', { name: 'modern__echo', arguments: { text: 'x', extra: DEEP }, _meta: MODERN_META }],
      ['tools/call', { name: 'legacy__echo', arguments: { text: 'x', extra: DEEP }, _meta: MODERN_META }],
      ['tools/call', { name: 'modern__work', arguments: { ms: 1, extra: DEEP }, _meta: TASKS_META }],
      ['tasks/get', { taskId: 'modern__x', extra: DEEP, _meta: TASKS_META }],
      // Its answers are checked first, as the server checks those to its own tasks (server/input-responses.ts).
      ['tasks/update', { taskId: 'modern__x', inputResponses: { q: DEEP }, _meta: TASKS_META }],
      ['tasks/cancel', { taskId: 'modern__x', extra: DEEP, _meta: TASKS_META }],
    ];
    try {
      for (const [i, [method, params]] of requests.entries()) {
        peer.write(`${JSON.stringify({ jsonrpc: '2.0', id: i, method, params }).replace(JSON.stringify(DEEP), nested)}\n`);
        const answer = await peer.next();
        assert.equal(answer.id, i);
        assert.equal(answer.error?.code, -32602, `${method}: ${JSON.stringify(answer).slice(0, 300)}`);
        const said = method === 'tasks/update' ? 'Invalid inputResponses: nested deeper than 1000 levels' : `${method} params nest deeper than 1000 levels`;
        assert.match(answer.error.message, new RegExp(said));
      }
      peer.send({ jsonrpc: '2.0', id: 'after', method: 'tools/call', params: { name: 'modern__echo', arguments: { text: 'still here' }, _meta: MODERN_META } });
      assert.equal((await peer.next()).result?.content?.[0]?.text, 'still here');
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
    assert.doesNotMatch(peer.stderr, /unexpected error/);
  });
});

describe('a caller\'s answers to an upstream\'s task nested 1,000 levels deep', () => {
  it('reach the task, as the server takes them for its own tasks: checked for depth once, where they were then refused as params nested 1,001 levels', { timeout: 120_000 }, async () => {
    const dir = await scratch();
    const script = join(dir, 'script.json');
    const STAMP = '2026-01-01T00:00:00Z';
    const question = { method: 'elicitation/create', params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } } };
    const waiting = { resultType: 'complete', taskId: 'x', status: 'input_required', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null, inputRequests: { q: question } };
    await writeFile(script, JSON.stringify({ answers: { 'tasks/get': { kind: 'result', text: JSON.stringify(waiting) } } }));
    const upstream = { command: process.execPath, args: [join(ROOT, 'test/fixtures/scripted-upstream.ts'), '--era', 'modern', '--script', script], era: 'modern' };
    const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--config', await writeConfig(dir, { mcpServers: { up: upstream }, gateway: { watch: false } })]);
    // inputResponses (1) > q (2) > content (3) > 997 levels more: 1,000 in all.
    const answer = `{"action":"accept","content":${'{"a":'.repeat(998)}1${'}'.repeat(998)}}`;
    try {
      peer.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/update', params: { taskId: 'up__x', inputResponses: { q: DEEP }, _meta: TASKS_META } }).replace(JSON.stringify(DEEP), answer)}\n`);
      const reply = await peer.next();
      assert.equal(reply.error, undefined, JSON.stringify(reply).slice(0, 300));
      assert.equal(reply.result?.resultType, 'complete');
      // One level more is the caller's to fix, before the upstream hears of it.
      peer.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tasks/update', params: { taskId: 'up__x', inputResponses: { q: DEEP }, _meta: TASKS_META } }).replace(JSON.stringify(DEEP), answer.replace('{"a":', '{"a":{"a":').replace('}}', '}}}'))}\n`);
      const refused = await peer.next();
      assert.deepEqual(refused.error, { code: -32602, message: 'Invalid inputResponses: nested deeper than 1000 levels' });
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
  });
});
