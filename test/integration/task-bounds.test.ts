/**
 * The task bounds (server/task-admission.ts), over real HTTP on 127.0.0.1 and a real stdio
 * child: a burst of calls to a task-enabled tool never runs more task works at once than
 * `maxRunning` (counted inside the tool); the calls past it that may run either way finish as
 * plain calls, those that must be tasks are refused before their work starts, with the limit
 * named; one owner at its limit does not stop another; the task store keeps at most
 * `maxRecords` records (and `maxRecordsPerOwner` of one owner), refusing new tasks rather than
 * dropping a live record, and expired ones make room; in Redis, the records of every process
 * sharing it count. Tasks exist in the 2026-07-28 era only.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { refusalChannel, type RefusalReport } from '../../src/protocol/refusal-report.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { McpError } from '../../src/protocol/wire-errors.ts';
import type { TaskOptions } from '../../src/server/tasks.ts';
import { Concurrency } from '../../src/security/concurrency.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { createRedisStores, type RedisStores } from '../../src/store/redis/index.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { bearerEdge } from '../helpers/edge-server.ts';
import { MODERN_META, post, type RawResponse } from '../helpers/http.ts';
import { ROOT } from '../helpers/processes.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { TaskBoundsServer } from '../helpers/task-bounds.ts';

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
const META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': TASKS };

/** A modern request of the principal `who`, declaring the tasks extension. */
function request(url: string, who: string, id: number, method: string, params: Record<string, unknown>): Promise<RawResponse> {
  const name = method === 'tools/call' ? params.name : params.taskId;
  return post(
    url,
    { jsonrpc: '2.0', id, method, params: { ...params, _meta: META } },
    { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method, 'mcp-name': String(name), authorization: `Bearer ${who}` },
  );
}

function call(url: string, who: string, id: number, tool: string): Promise<RawResponse> {
  return request(url, who, id, 'tools/call', { name: tool, arguments: {} });
}

function text(answer: RawResponse): string {
  assert.equal(answer.status, 200, answer.text);
  return answer.json.result.content[0].text;
}

/** Polls tasks/get (the protocol's way to follow a task) until the task has ended. */
async function ended(url: string, who: string, taskId: string): Promise<Record<string, any>> {
  for (let i = 0; ; i++) {
    const task = (await request(url, who, 1000 + i, 'tasks/get', { taskId })).json.result;
    if (task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled') return task;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function assertRefused(answer: RawResponse, limit: string, retryAfter: string): void {
  assert.equal(answer.status, 503, answer.text);
  assert.equal(answer.headers.get('retry-after'), retryAfter);
  assert.equal(answer.json.error.code, -32000);
  assert.match(answer.json.error.message, /^Service Unavailable: .*its limit; retry/);
  assert.deepEqual(answer.json.error.data, { reason: 'overloaded', limit, retryAfterMs: Number(retryAfter) * 1000 });
}

/**
 * With maxRecords 3 and maxRecordsPerOwner 2 (and the clock mocked): three finished tasks, of
 * Alice through `first` and `second`, and of Bob; then Alice past her share and Carol past the
 * total are refused a task that must be one, and answered a plain call for one that may run
 * either way; nothing kept was dropped. Then the clock passes their TTL. Returns the tasks.
 */
async function fillRecords(first: string, second: string): Promise<Array<{ who: string; taskId: string }>> {
  const kept = [];
  for (const [id, url, who] of [[1, first, 'alice'], [2, second, 'alice'], [3, first, 'bob']] as const) {
    const answer = await call(url, who, id, 'quick');
    assert.equal(answer.json.result.status, 'completed', answer.text);
    kept.push({ who, taskId: answer.json.result.taskId });
  }
  assertRefused(await call(first, 'alice', 4, 'quick'), 'maxRecordsPerOwner', '5');
  assertRefused(await call(second, 'carol', 5, 'quick'), 'maxRecords', '5');
  assert.equal(text(await call(second, 'alice', 6, 'soon')), 'plain');
  assert.equal(text(await call(first, 'carol', 7, 'soon')), 'plain');
  for (const { who, taskId } of kept) assert.equal((await ended(second, who, taskId)).result.content[0].text, 'quick', 'a finished task is kept until its TTL');
  mock.timers.tick(60_001);
  return kept;
}

/** A server of the task-bounds tools over HTTP, principals named by `Authorization: Bearer NAME`. */
async function serve(tasks: TaskOptions, setUp?: (subject: TaskBoundsServer) => void): Promise<{ subject: TaskBoundsServer; listener: HttpListener; url: string }> {
  const subject = new TaskBoundsServer(tasks);
  setUp?.(subject);
  const listener = await serveHttp(subject.server, { port: 0, edge: bearerEdge });
  return { subject, listener, url: listener.url };
}

describe('task bounds over HTTP', () => {
  const refusals: RefusalReport[] = [];
  const onRefusal = (message: unknown) => refusals.push(message as RefusalReport);
  before(() => refusalChannel.subscribe(onRefusal));
  after(() => refusalChannel.unsubscribe(onRefusal));

  it('a burst of 40 calls to a tool whose task support is optional runs at most maxRunning task works; the rest finish as plain calls', async () => {
    const { subject, listener, url } = await serve({ maxRunning: 3, maxRunningPerOwner: 3 });
    try {
      const answers = Array.from({ length: 40 }, (_, i) => call(url, 'alice', i, 'job'));
      await subject.started(40);
      assert.equal(subject.counts.tasks, 3);
      assert.equal(subject.server.core.tasks.runningCount, 3);
      subject.open();
      const settled = await Promise.all(answers);
      const handles = settled.filter((answer) => answer.json.result?.resultType === 'task');
      assert.equal(handles.length, 3);
      const plain = settled.filter((answer) => answer.json.result?.resultType !== 'task');
      assert.deepEqual([...new Set(plain.map(text))], ['done as a plain call']);
      assert.equal(plain.length, 37);
      for (const handle of handles) assert.equal((await ended(url, 'alice', handle.json.result.taskId)).result.content[0].text, 'done as a task');
      assert.equal(subject.counts.peakTasks, 3, 'never more task works at once than maxRunning');
      assert.equal(subject.server.core.tasks.admission.running, 0, 'every claim was given back');
    } finally {
      await listener.close();
    }
  });

  it('a call kept plain keeps its request slot: limits.concurrency refuses past it, as for any call', async () => {
    const { subject, listener, url } = await serve({ maxRunning: 2 }, ({ server }) => new Concurrency({ maxCalls: 3 }).install(server));
    try {
      const tasks = await Promise.all([call(url, 'alice', 1, 'job'), call(url, 'alice', 2, 'job')]);
      assert.deepEqual(tasks.map((answer) => answer.json.result.resultType), ['task', 'task']);
      // The tasks gave their slots back; three plain calls take all of them.
      const plain = [3, 4, 5].map((id) => call(url, 'bob', id, 'job'));
      await subject.started(5);
      const overloaded = await call(url, 'carol', 6, 'job');
      assert.equal(overloaded.status, 503);
      assert.match(overloaded.json.error.message, /running 3 calls/);
      subject.open();
      assert.deepEqual((await Promise.all(plain)).map(text), Array(3).fill('done as a plain call'));
    } finally {
      await listener.close();
    }
  });

  it('past maxRunningPerOwner and maxRunning, a call that must be a task is refused before its work starts; another owner goes on', async () => {
    const { subject, listener, url } = await serve({ maxRunning: 5, maxRunningPerOwner: 3 });
    refusals.length = 0;
    try {
      const alice = await Promise.all([1, 2, 3].map((id) => call(url, 'alice', id, 'must')));
      assert.deepEqual(alice.map((answer) => answer.json.result.status), ['working', 'working', 'working']);
      assertRefused(await call(url, 'alice', 4, 'must'), 'maxRunningPerOwner', '1');
      // Alice at her limit does not stop Bob.
      const bob = await Promise.all([5, 6].map((id) => call(url, 'bob', id, 'must')));
      assert.deepEqual(bob.map((answer) => answer.json.result.resultType), ['task', 'task']);
      assertRefused(await call(url, 'carol', 7, 'must'), 'maxRunning', '1');
      assert.equal(subject.counts.mustStarted, 5, 'a refused call never started its work');
      // Carol's call to a tool that may run either way runs as a plain call meanwhile.
      const carol = call(url, 'carol', 8, 'job');
      await subject.started(6);
      assert.deepEqual(
        refusals.map(({ reason, method, subject: who }) => [reason, method, who]),
        [['overloaded', 'tools/call', 'alice'], ['overloaded', 'tools/call', 'carol']],
      );
      subject.open();
      assert.equal(text(await carol), 'done as a plain call');
      for (const answer of alice) await ended(url, 'alice', answer.json.result.taskId);
      // Her tasks ended: Alice may start new ones.
      assert.equal((await call(url, 'alice', 9, 'must')).json.result.resultType, 'task');
    } finally {
      await listener.close();
    }
  });

  it('past maxRecordsPerOwner and maxRecords, new tasks are refused and no record is dropped; expired records make room', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { listener, url } = await serve({ maxRecords: 3, maxRecordsPerOwner: 2, ttlMs: 60_000 });
    try {
      const kept = await fillRecords(url, url);
      const fresh = await call(url, 'carol', 8, 'soon');
      assert.equal(fresh.json.result.resultType, 'task', fresh.text);
      assert.equal((await ended(url, 'carol', fresh.json.result.taskId)).result.content[0].text, 'as a task');
      const gone = await request(url, 'alice', 9, 'tasks/get', { taskId: kept[0].taskId });
      assert.match(gone.json.error.message, /Task not found/);
    } finally {
      mock.timers.reset();
      await listener.close();
    }
  });
});

describe('task bounds over stdio (a child process)', () => {
  let client: McpClient;
  before(async () => {
    client = new McpClient({ name: 't', version: '1', capabilities: TASKS });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'test/fixtures/task-bounds-server.ts')], stderr: 'ignore' }));
  });
  after(() => client.close());

  it('runs at most maxRunning task works; a call that must be a task gets -32000 naming the limit; the others finish as plain calls', async () => {
    const answers = Array.from({ length: 10 }, () => client.callTool('job'));
    const counts = async (started: number) => (await client.callTool('counts', { started })).structuredContent as Record<string, number>;
    assert.deepEqual(await counts(10), { started: 10, tasks: 2, peakTasks: 2, mustStarted: 0 });
    await assert.rejects(client.callTool('must'), (error: unknown) => {
      assert.ok(error instanceof McpError);
      assert.equal(error.code, -32000);
      assert.deepEqual(error.data, { reason: 'overloaded', limit: 'maxRunning', retryAfterMs: 1000 });
      return true;
    });
    assert.equal((await counts(10)).mustStarted, 0);
    await client.callTool('open');
    const settled = (await Promise.all(answers)) as unknown as Array<Record<string, any>>;
    const handles = settled.filter((result) => result.resultType === 'task');
    assert.equal(handles.length, 2);
    assert.deepEqual([...new Set(settled.filter((result) => result.resultType !== 'task').map((result) => result.content[0].text))], ['done as a plain call']);
    for (const handle of handles) {
      let task = await client.request('tasks/get', { taskId: handle.taskId });
      while (task.status === 'working') {
        await new Promise((resolve) => setTimeout(resolve, 10));
        task = await client.request('tasks/get', { taskId: handle.taskId });
      }
      assert.equal((task.result as { content: Array<{ text: string }> }).content[0].text, 'done as a task');
    }
    assert.equal((await counts(10)).peakTasks, 2);
  });
});

describe('task record bounds in Redis, over two servers sharing it', { skip: REDIS_MISSING }, () => {
  let redis: RedisServer;
  const stores: RedisStores[] = [];
  const urls: string[] = [];
  const listeners: HttpListener[] = [];
  before(async () => {
    redis = await RedisServer.start();
    for (let i = 0; i < 2; i++) {
      const shared = createRedisStores({ url: redis.url, keyPrefix: `task-bounds:${process.pid}` });
      assert.ok(await shared.connection.ready(30_000));
      stores.push(shared);
      const { listener, url } = await serve({ store: shared.tasks, maxRecords: 3, maxRecordsPerOwner: 2, ttlMs: 60_000 });
      listeners.push(listener);
      urls.push(url);
    }
  });
  after(async () => {
    for (const listener of listeners) await listener.close();
    for (const shared of stores) await shared.close();
    await redis.stop();
  });

  it('counts the records of every server, refuses past the bounds without dropping any, and counts expired ones no more', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      await fillRecords(urls[0], urls[1]);
      const fresh = await call(urls[0], 'carol', 8, 'quick');
      assert.equal(fresh.json.result.status, 'completed', fresh.text);
    } finally {
      mock.timers.reset();
    }
  });
});
