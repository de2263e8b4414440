/**
 * What a request leaves running keeps of it, in a long-running process with JSON logs (the
 * request log puts each request in an AsyncLocalStorage, and whatever the request starts keeps
 * the async context it was started in): an upstream call waiting for a 2026-07-28 caller's
 * answer, and a task still working, keep the request's log ids, not the request (its message,
 * exchange, HTTP request with its headers, response and socket). Measured on the server's heap
 * after a full collection, through the inspector.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { configFile } from '../helpers/auth-requests.ts';
import { fixture } from '../helpers/gateway.ts';
import { HeapProbe, serveWithHeap, stopWithHeap } from '../helpers/heap.ts';
import { inTurn, MODERN_META, postOver } from '../helpers/http.ts';
import { ROOT } from '../helpers/processes.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import type { Served } from '../helpers/served.ts';

/** A header of 12 KiB on every call: what a held request weighs most of. */
const PAD = { 'x-pad': 'p'.repeat(12 * 1024) };

function callOver(agent: Agent, url: string, id: number, name: string, args: Record<string, unknown>, capabilities: Record<string, unknown>) {
  const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': capabilities } } };
  return postOver(agent, url, body, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': name, ...PAD });
}

/** The heap's growth, after a full collection, over `calls` calls (after 50 of warm-up). */
async function growth(heap: HeapProbe, calls: number, call: (i: number) => Promise<unknown>): Promise<number> {
  await inTurn(50, (i) => call(100_000 + i));
  const before = await heap.usedAfterGc();
  await inTurn(calls, call);
  return (await heap.usedAfterGc()) - before;
}

describe('a gateway with JSON logs: calls waiting for their 2026-07-28 caller\'s answer', () => {
  let served: Served;
  let heap: HeapProbe;
  before(async () => {
    // Each waiting call holds an upstream call, which the fixture's concurrency must allow.
    const config = configFile({
      mcpServers: { up: { ...fixture([], { era: 'modern' }), maxConcurrency: 1000 } },
      gateway: { watch: false },
      logging: { level: 'info', format: 'json' },
    });
    ({ served, heap } = await serveWithHeap(['--config', config, '--http', '127.0.0.1:0']));
  });
  after(() => stopWithHeap(served, heap));

  it('regression: 300 calls waiting for input keep their upstream calls, not their requests with 12 KiB headers', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const ask = (i: number) =>
      callOver(agent, served.url, i, 'up__ask', { question: `question ${i}` }, { elicitation: {} }).then((answer) => {
        assert.equal(answer.status, 200);
        assert.equal(answer.json.result?.resultType, 'input_required', JSON.stringify(answer.json));
      });
    const grown = await growth(heap, 300, ask);
    agent.destroy();
    // Before: each call's request stayed with its waiting upstream call (26 KB a call, 7.7 MB).
    // Since: the upstream call and the request's log ids (9 KB a call, 2.7 MB).
    assert.ok(grown < 4.5 * 1024 * 1024, `the heap grew by ${grown} bytes over 300 calls waiting for input`);
  });
});

describe('a server with JSON logs: tasks still working', () => {
  let child: ChildProcess;
  let url: string;
  let heap: HeapProbe;
  before(async () => {
    // `mcp-core serve` as the binary composes it, with a tool `work {ms}` that runs as a task.
    const env = { ...process.env, MCP__LOGGING__LEVEL: 'info', MCP__LOGGING__FORMAT: 'json', MCP__SERVER__TASKS__MAXRUNNINGPEROWNER: '1000' };
    child = spawn(process.execPath, ['--inspect=127.0.0.1:0', `${ROOT}/test/fixtures/scale-server.ts`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const inspector = firstMatch(child.stderr!, /(ws:\/\/\S+)/);
    url = await firstMatch(child.stdout!, /serving at (\S+)/);
    heap = await HeapProbe.connect(await inspector);
  });
  after(async () => {
    heap.close();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  });

  it('regression: 300 tasks working for 10 minutes keep their work, not the requests with 12 KiB headers that made them', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const work = (i: number) =>
      callOver(agent, url, i, 'work', { ms: 600_000 }, { extensions: { 'io.modelcontextprotocol/tasks': {} } }).then((answer) => {
        assert.equal(answer.status, 200);
        assert.equal(answer.json.result?.resultType, 'task', JSON.stringify(answer.json));
      });
    const grown = await growth(heap, 300, work);
    agent.destroy();
    // Before: each task's work (and its expiry timer) kept the request that made it (22 KB a
    // task, 6.6 MB). Since: the task and the request's log ids (5.5 KB a task, 1.6 MB).
    assert.ok(grown < 3.5 * 1024 * 1024, `the heap grew by ${grown} bytes over 300 tasks`);
  });
});

/** The first group of `pattern` in a line of `input` (all of it read, so the child never blocks). */
function firstMatch(input: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    createInterface({ input }).on('line', (line) => {
      const found = pattern.exec(line);
      if (found !== null) resolve(found[1]);
    });
  });
}
