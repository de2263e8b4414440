/**
 * The task bounds (server/task-admission.ts), over real HTTP on 127.0.0.1 and a real stdio
 * child: a burst of calls to a task-enabled tool never runs more task works at once than
 * `maxRunning` (counted inside the tool); the calls past it that may run either way finish as
 * plain calls, those that must be tasks are refused before their work starts, with the limit
 * named; one owner at its limit does not stop another; the task store keeps at most
 * `maxRecords` records (and `maxRecordsPerOwner` of one owner), refusing new tasks rather than
 * dropping a live record, and expired ones make room; the results they keep take at most
 * `maxResultBytes` (`maxResultBytesPerOwner` of one owner), a task whose result would pass them
 * failing with the bound named instead; callers without a principal are owners by their peer
 * address; in Redis, the records and bytes of every process sharing it count. Tasks exist in
 * the 2026-07-28 era only.
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
import { from, type FromResponse } from '../helpers/http-from.ts';
import { ROOT } from '../helpers/processes.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { TaskBoundsServer } from '../helpers/task-bounds.ts';
import { openRaw } from '../helpers/ws.ts';

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

/** A call of `echo`, a task that finishes at once with a result of about `length` bytes. */
function echo(url: string, who: string, id: number, length: number): Promise<RawResponse> {
  return request(url, who, id, 'tools/call', { name: 'echo', arguments: { text: 'x'.repeat(length) } });
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

function assertKept(answer: RawResponse): string {
  assert.equal(answer.json.result?.status, 'completed', answer.text);
  return answer.json.result.taskId;
}

/** The task (whose call answered with it) failed, its result not kept, past the bytes bound `limit`. */
async function assertNotKept(url: string, who: string, answer: RawResponse, limit: string): Promise<void> {
  assert.equal(answer.json.result?.status, 'failed', answer.text);
  const task = await ended(url, who, answer.json.result.taskId);
  assert.equal(task.result, undefined);
  assert.equal(task.error.code, -32000);
  assert.match(task.error.message, /^Service Unavailable: the task's result was not kept: with it .* would keep more than \d+ bytes of results, its limit; retry once some expire$/);
  assert.deepEqual(task.error.data, { reason: 'overloaded', limit, retryAfterMs: 5000 });
  assert.equal(task.statusMessage, task.error.message);
}

/**
 * With maxResultBytes 25,000 and maxResultBytesPerOwner 10,000 (and the clock mocked), results
 * of about 4,000 bytes through `first` and `second`: Alice keeps two, her third is not kept;
 * Bob keeps 8,000; Carol's 9,000 would pass the total; Dave's 20,000 alone pass his share.
 * What was kept is still there. Then the clock passes their TTL and Alice keeps a result again.
 */
async function fillResultBytes(first: string, second: string): Promise<void> {
  const alice = [assertKept(await echo(first, 'alice', 1, 4000)), assertKept(await echo(second, 'alice', 2, 4000))];
  await assertNotKept(second, 'alice', await echo(first, 'alice', 3, 4000), 'maxResultBytesPerOwner');
  assertKept(await echo(second, 'bob', 4, 8000));
  await assertNotKept(first, 'carol', await echo(second, 'carol', 5, 9000), 'maxResultBytes');
  await assertNotKept(first, 'dave', await echo(first, 'dave', 6, 20_000), 'maxResultBytesPerOwner');
  assertKept(await call(first, 'carol', 7, 'quick'));
  for (const taskId of alice) assert.equal((await ended(second, 'alice', taskId)).result.content[0].text.length, 4000, 'a kept result is never dropped');
  mock.timers.tick(60_001);
  assertKept(await echo(second, 'alice', 8, 4000));
}

const BYTE_BOUNDS = { maxResultBytes: 25_000, maxResultBytesPerOwner: 10_000, ttlMs: 60_000 };

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

describe('task result bytes over HTTP', () => {
  it('past maxResultBytesPerOwner and maxResultBytes, a finished task fails naming the bound instead of keeping its result; expired records make room', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const { listener, url } = await serve(BYTE_BOUNDS);
    try {
      await fillResultBytes(url, url);
    } finally {
      mock.timers.reset();
      await listener.close();
    }
  });
});

describe('task owners without a principal (no edge hook)', () => {
  /** A modern request from the loopback address `address`, declaring the tasks extension. */
  function fromAddress(address: string, url: string, id: number, method: string, params: Record<string, unknown>): Promise<FromResponse> {
    const name = method === 'tools/call' ? params.name : params.taskId;
    return from(address, url, {
      headers: { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': method, 'mcp-name': String(name) },
      body: { jsonrpc: '2.0', id, method, params: { ...params, _meta: META } },
    });
  }

  it('each peer address is an owner: one anonymous caller neither fills the share of another nor sees its tasks', async () => {
    const subject = new TaskBoundsServer({ maxRecordsPerOwner: 2, ttlMs: 60_000 });
    const listener = await serveHttp(subject.server, { port: 0 });
    const { url } = listener;
    const quick = (address: string, id: number) => fromAddress(address, url, id, 'tools/call', { name: 'quick', arguments: {} });
    try {
      const first = [(await quick('127.0.0.2', 1)).json.result.taskId, (await quick('127.0.0.2', 2)).json.result.taskId];
      const refused = await quick('127.0.0.2', 3);
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.json.error.data.limit, 'maxRecordsPerOwner');
      // Another anonymous caller still has its own share.
      const other = await quick('127.0.0.3', 4);
      assert.equal(other.json.result?.status, 'completed', other.text);
      // A task is retrievable by the caller that made it, and by no other.
      const own = await fromAddress('127.0.0.2', url, 5, 'tasks/get', { taskId: first[0] });
      assert.equal(own.json.result.result.content[0].text, 'quick', own.text);
      for (const [address, taskId] of [['127.0.0.3', first[1]], ['127.0.0.2', other.json.result.taskId]]) {
        for (const method of ['tasks/get', 'tasks/cancel']) {
          const foreign = await fromAddress(address, url, 6, method, { taskId });
          assert.equal(foreign.json.error?.code, -32602, foreign.text);
          assert.match(foreign.json.error.message, /Task not found/);
        }
      }
    } finally {
      await listener.close();
    }
  });

  it('over WebSocket too, the peer address owns the task: its caller finds it (over HTTP as well), another caller does not', async () => {
    const subject = new TaskBoundsServer({});
    const listener = await serveHttp(subject.server, { port: 0, websocket: {} });
    const peers = [await openRaw(listener.websocketUrl!, { localAddress: '127.0.0.2' }), await openRaw(listener.websocketUrl!, { localAddress: '127.0.0.3' })];
    try {
      peers[0].send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quick', arguments: {}, _meta: META } });
      const { taskId } = (await peers[0].next()).result;
      const get = { jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { taskId, _meta: META } };
      peers[0].send(get);
      assert.equal((await peers[0].next()).result.status, 'completed');
      peers[1].send(get);
      assert.match((await peers[1].next()).error.message, /Task not found/);
      const overHttp = await fromAddress('127.0.0.2', listener.url, 3, 'tasks/get', { taskId });
      assert.equal(overHttp.json.result?.status, 'completed', overHttp.text);
    } finally {
      for (const peer of peers) peer.socket.close();
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

describe('task record and result bytes bounds in Redis, over two servers sharing it', { skip: REDIS_MISSING }, () => {
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

  it('counts the result bytes of every server, fails a task past the bounds, and counts expired ones no more', async () => {
    const pair: string[] = [];
    for (let i = 0; i < 2; i++) {
      const shared = createRedisStores({ url: redis.url, keyPrefix: `task-bytes:${process.pid}` });
      assert.ok(await shared.connection.ready(30_000));
      stores.push(shared);
      const { listener, url } = await serve({ store: shared.tasks, ...BYTE_BOUNDS });
      listeners.push(listener);
      pair.push(url);
    }
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      await fillResultBytes(pair[0], pair[1]);
    } finally {
      mock.timers.reset();
    }
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
