/**
 * A caller's params nested deeper than the gateway can write out again, against a real
 * `mcp-core serve --stdio` gateway in front of real upstreams: every route that passes the
 * caller's values on as they are (tools/call to either era, a call as a task, the tasks extension's
 * tasks/get, tasks/update and tasks/cancel) refuses them as the caller's (-32602).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODERN_META } from '../helpers/http.ts';
import { fixture, scratch, writeConfig } from '../helpers/gateway.ts';
import { CLI } from '../helpers/processes.ts';
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
