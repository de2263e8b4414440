/**
 * What a caller gets for an upstream's failures and for its JSON-RPC errors that cannot be
 * passed on as they are, against a real `mcp-core serve --stdio` gateway in front of
 * test/fixtures/scripted-upstream.ts in either era.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MODERN_META } from '../helpers/http.ts';
import { scratch, writeConfig } from '../helpers/gateway.ts';
import { CLI, ROOT } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const SCRIPTED = join(ROOT, 'test/fixtures/scripted-upstream.ts');

/** `mcp-core serve --stdio` in front of the scripted upstream as `old` (2025-11-25) and `new` (2026-07-28), and the script's path. */
async function gateway(options: Record<string, unknown> = {}): Promise<{ peer: RawStdio; script: string }> {
  const dir = await scratch();
  const script = join(dir, 'script.json');
  const upstream = (era: string) => ({ command: process.execPath, args: [SCRIPTED, '--era', era, '--script', script], era, ...options });
  const config = await writeConfig(dir, { mcpServers: { old: upstream('legacy'), new: upstream('modern') }, gateway: { watch: false } });
  return { peer: new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--config', config]), script };
}

describe('an upstream that fails a method without an isError result', () => {
  it('regression: resources/read, prompts/get, completion/complete and tasks/get it does not answer in time are -32603 naming it and the reason, not a bare Internal error logged as the gateway\'s unexpected error', { timeout: 120_000 }, async () => {
    const { peer, script } = await gateway({ timeoutMs: 500 });
    const TASKS_META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
    const silent = { kind: 'silent' };
    await writeFile(script, JSON.stringify({ answers: { 'resources/read': silent, 'prompts/get': silent, 'completion/complete': silent, 'tasks/get': silent } }));
    const requests: Array<[string, string, Record<string, unknown>]> = [];
    for (const name of ['old', 'new']) {
      requests.push([name, 'resources/read', { uri: `s://${name}__r`, _meta: MODERN_META }]);
      requests.push([name, 'prompts/get', { name: `${name}__p`, arguments: { a: 'x' }, _meta: MODERN_META }]);
      requests.push([name, 'completion/complete', { ref: { type: 'ref/prompt', name: `${name}__p` }, argument: { name: 'a', value: 'x' }, _meta: MODERN_META }]);
    }
    requests.push(['new', 'tasks/get', { taskId: 'new__abc', _meta: TASKS_META }]);
    try {
      for (const [i, [name, method, params]] of requests.entries()) {
        peer.send({ jsonrpc: '2.0', id: i, method, params });
        const { error } = await peer.next();
        assert.equal(error?.code, -32603, `${name} ${method}: ${JSON.stringify(error)}`);
        assert.match(error.message, new RegExp(`^Upstream "${name}" did not answer in time \\(slow\\): ${method} timed out after 500 ms$`));
        assert.deepEqual(error.data, { upstream: name, reason: 'slow' });
      }
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
    assert.doesNotMatch(peer.stderr, /unexpected error/);
  });
});

describe('an upstream\'s malformed JSON-RPC error', () => {
  it('regression: a code that is not an integer, or data nested 20,000 levels deep, reaches the caller as -32603 naming the upstream and what is wrong, not as it came (a code JSON-RPC forbids) or as Internal error', { timeout: 120_000 }, async () => {
    const { peer, script } = await gateway();
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const errors: Array<[string, string]> = [
      ['{"code":1.5,"message":"half"}', 'code is 1.5, not an integer'],
      ['{"code":1e400,"message":"huge"}', 'code is Infinity, not an integer'],
      [`{"code":-32000,"message":"deep","data":${deep}}`, 'data nests deeper than 1000 levels'],
    ];
    let id = 0;
    try {
      for (const name of ['old', 'new']) {
        for (const [error, says] of errors) {
          await writeFile(script, JSON.stringify({ answers: { 'tools/call': { kind: 'error', text: error } } }));
          peer.send({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: `${name}__t`, arguments: {}, _meta: MODERN_META } });
          const answer = await peer.next();
          assert.deepEqual(answer.error, { code: -32603, message: `Upstream "${name}" answered tools/call with a malformed error: ${says}` }, JSON.stringify(answer).slice(0, 300));
        }
        // A well-formed error still reaches the caller as it is.
        await writeFile(script, JSON.stringify({ answers: { 'tools/call': { kind: 'error', text: '{"code":-32000,"message":"busy","data":{"retry":1}}' } } }));
        peer.send({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: `${name}__t`, arguments: {}, _meta: MODERN_META } });
        assert.deepEqual((await peer.next()).error, { code: -32000, message: 'busy', data: { retry: 1 } });
      }
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
    assert.doesNotMatch(peer.stderr, /unexpected error/);
  });

  it('regression: a message that is not a string, an error that is not an object, a result that is not an object, or a result beside an error, reaches the caller at once as -32603 naming the upstream and what is wrong (the call waited for the upstream\'s timeout and failed as slow; an object result beside an error was passed on as the result)', { timeout: 120_000 }, async () => {
    const { peer, script } = await gateway({ timeoutMs: 10_000 });
    const answers: Array<[Record<string, string>, string]> = [
      [{ kind: 'error', text: '{"code":-32000,"message":5}' }, 'error: message is 5, not a string'],
      [{ kind: 'error', text: '[-32000,"no"]' }, 'error: it is an array, not an object'],
      [{ kind: 'error', text: '{"code":"E1","message":"no"}' }, 'error: code is "E1", not an integer'],
      [{ kind: 'line', text: '{"jsonrpc":"2.0","id":__ID__,"result":7}' }, 'result: it is 7, not an object'],
      [{ kind: 'line', text: '{"jsonrpc":"2.0","id":__ID__,"result":7,"error":{"code":-32000,"message":"no"}}' }, 'response: it has both a result and an error'],
      [{ kind: 'line', text: '{"jsonrpc":"2.0","id":__ID__,"result":{"content":[{"type":"text","text":"ok"}]},"error":{"code":-32000,"message":"no"}}' }, 'response: it has both a result and an error'],
    ];
    let id = 0;
    try {
      for (const name of ['old', 'new']) {
        // A call served first starts the upstream (lazily, as the gateway does), so that its
        // start, seconds on a loaded machine, is not taken for an answer that was slow.
        await writeFile(script, JSON.stringify({}));
        peer.send({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: `${name}__t`, arguments: {}, _meta: MODERN_META } });
        assert.deepEqual((await peer.next()).result?.content, [{ type: 'text', text: 'ok' }]);
        for (const [answer, says] of answers) {
          await writeFile(script, JSON.stringify({ answers: { 'tools/call': answer } }));
          const started = performance.now();
          peer.send({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: `${name}__t`, arguments: {}, _meta: MODERN_META } });
          const reply = await peer.next();
          assert.deepEqual(reply.error, { code: -32603, message: `Upstream "${name}" answered tools/call with a malformed ${says}` }, JSON.stringify(reply).slice(0, 300));
          assert.ok(performance.now() - started < 5000, `${says}: answered after ${Math.round(performance.now() - started)} ms`);
        }
        // The upstream is not taken for dead or slow: its next call is served.
        await writeFile(script, JSON.stringify({}));
        peer.send({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: `${name}__t`, arguments: {}, _meta: MODERN_META } });
        assert.deepEqual((await peer.next()).result?.content, [{ type: 'text', text: 'ok' }]);
      }
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
    assert.doesNotMatch(peer.stderr, /unexpected error/);
  });
});

describe('an upstream\'s answer of a type the spec does not have', () => {
  it('regression: resource contents with neither text nor blob, a blob or image data that is not base64, a content block of no type the spec defines, a prompt message from "system", a completion total that is not an integer, a task with no createdAt or ttlMs, of no status the extension defines, or without what its status carries (inputRequests, result, an error), are -32603 naming the upstream; they were passed on, and the caller\'s client refused them without saying whose they were', { timeout: 120_000 }, async () => {
    const { peer, script } = await gateway();
    const TASKS_META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
    const STAMP = '2026-01-01T00:00:00Z';
    const task = { taskId: 'abc', status: 'completed', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null, result: { content: [] } };
    const { createdAt: _created, ...undated } = task;
    const { ttlMs: _ttl, ...ageless } = task;
    const cases: Array<[string, Record<string, unknown>, unknown, string]> = [
      ['resources/read', { uri: 's://new__r' }, { contents: [{ uri: 's://r', mimeType: 'text/plain' }] }, 'contents[0] has neither text nor blob'],
      ['tools/call', { name: 'new__t', arguments: {} }, { content: [{ type: 'resource', resource: { uri: 's://r' } }] }, 'content[0].resource has neither text nor blob'],
      ['tools/call', { name: 'new__t', arguments: {} }, { content: [{ type: 'video', url: 'x' }] }, 'content[0].type is "video", not a content block type'],
      ['resources/read', { uri: 's://new__r' }, { contents: [{ uri: 's://r', blob: '!' }] }, 'contents[0].blob is not base64'],
      ['tools/call', { name: 'new__t', arguments: {} }, { content: [{ type: 'image', data: 'A', mimeType: 'image/png' }] }, 'content[0].data is not base64'],
      ['tools/call', { name: 'new__t', arguments: {} }, { content: [{ type: 'audio', data: 'AA=A', mimeType: 'audio/wav' }] }, 'content[0].data is not base64'],
      ['tools/call', { name: 'new__t', arguments: {} }, { content: [{ type: 'toString', text: 'x' }] }, 'content[0].type is "toString", not a content block type'],
      ['prompts/get', { name: 'new__p', arguments: { a: 'x' } }, { messages: [{ role: 'system', content: { type: 'text', text: 'x' } }] }, 'messages[0].role is not "user" or "assistant"'],
      ['completion/complete', { ref: { type: 'ref/prompt', name: 'new__p' }, argument: { name: 'a', value: 'x' } }, { completion: { values: ['a'], total: 1.5 } }, 'completion.total is not an integer'],
      ['tasks/get', { taskId: 'new__abc' }, undated, 'it has no createdAt'],
      ['tasks/get', { taskId: 'new__abc' }, ageless, 'it has no ttlMs'],
      ['tasks/get', { taskId: 'new__abc' }, { ...task, status: 'paused' }, 'status is not a task status'],
      ['tasks/get', { taskId: 'new__abc' }, { ...task, status: 'input_required', result: undefined }, 'it is input_required and has no inputRequests'],
      ['tasks/get', { taskId: 'new__abc' }, { ...task, result: undefined }, 'it is completed and has no result'],
      ['tasks/get', { taskId: 'new__abc' }, { ...task, status: 'failed', result: undefined }, 'it is failed and has no error'],
      ['tasks/get', { taskId: 'new__abc' }, { ...task, status: 'failed', result: undefined, error: { code: 'E1', message: 'no' } }, 'error.code is not an integer'],
    ];
    try {
      for (const [i, [method, params, result, says]] of cases.entries()) {
        await writeFile(script, JSON.stringify({ answers: { [method]: { kind: 'result', text: JSON.stringify({ resultType: 'complete', ...(result as object) }) } } }));
        peer.send({ jsonrpc: '2.0', id: i, method, params: { ...params, _meta: method === 'tasks/get' ? TASKS_META : MODERN_META } });
        const answer = await peer.next();
        assert.deepEqual(answer.error, { code: -32603, message: `Upstream "new" answered ${method} with a malformed result: ${says}` }, JSON.stringify(answer).slice(0, 300));
      }
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
  });
});

describe('an upstream\'s malformed task handle', () => {
  it('regression: a task handle (a call made as a task) whose taskId is not a string, without a status or ttlMs, or whose ttlMs or pollIntervalMs is not an integer, is -32603 naming the upstream; it was passed on, an object for the caller to ask after its task by', { timeout: 120_000 }, async () => {
    const { peer, script } = await gateway();
    const TASKS_META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
    const STAMP = '2026-01-01T00:00:00Z';
    const handle = { resultType: 'task', taskId: 'abc', status: 'working', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null };
    const { status: _status, ...statusless } = handle;
    const { ttlMs: _ttl, ...ageless } = handle;
    const cases: Array<[unknown, string]> = [
      [{ ...handle, taskId: {} }, 'taskId is an object, not a string'],
      [statusless, 'it has no status'],
      [ageless, 'it has no ttlMs'],
      [{ ...handle, ttlMs: 1.5 }, 'ttlMs is not an integer'],
      [{ ...handle, pollIntervalMs: 'soon' }, 'pollIntervalMs is not an integer'],
    ];
    try {
      for (const [i, [result, says]] of cases.entries()) {
        await writeFile(script, JSON.stringify({ answers: { 'tools/call': { kind: 'result', text: JSON.stringify(result) } } }));
        peer.send({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'new__t', arguments: {}, _meta: TASKS_META } });
        const answer = await peer.next();
        assert.deepEqual(answer.error, { code: -32603, message: `Upstream "new" answered tools/call with a malformed result: ${says}` }, JSON.stringify(answer).slice(0, 300));
      }
      // A well-formed handle still goes through, its taskId named for the caller.
      await writeFile(script, JSON.stringify({ answers: { 'tools/call': { kind: 'result', text: JSON.stringify({ ...handle, ttlMs: 60_000, pollIntervalMs: 500 }) } } }));
      peer.send({ jsonrpc: '2.0', id: 'good', method: 'tools/call', params: { name: 'new__t', arguments: {}, _meta: TASKS_META } });
      const { result } = await peer.next();
      assert.equal(result?.resultType, 'task', JSON.stringify(result));
      assert.equal(result.taskId, 'new__abc');
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
  });
});
