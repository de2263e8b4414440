/**
 * Work nobody awaits must still have an owner: a store that becomes remote and fails must
 * never stop the process with an unhandled rejection. Each test below failed (with an
 * unhandled rejection) before its promise got an owner.
 */
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import type { ErrorReport } from '../../src/protocol/error-report.ts';
import { McpServer } from '../../src/server/server.ts';
import { ServerConnection } from '../../src/server/connection.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import type { TaskRecord, TaskStore } from '../../src/store/task-store.ts';
import { InMemoryTransport } from '../../src/transport/in-memory.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { MODERN_META, openSession, post } from '../helpers/http.ts';
import { modern } from '../helpers/exchange.ts';

const unhandled: unknown[] = [];
const reports: ErrorReport[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const onReport = (message: unknown) => reports.push(message as ErrorReport);
const errorChannel = diagnostics_channel.channel('mcp-core:error');

/** Lets pending rejections surface as `unhandledRejection` if they have no owner. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function takeReports(): string[] {
  const out = reports.map((r) => `${r.operation ?? r.method}: ${(r.error as Error).message}`);
  reports.length = 0;
  return out;
}

class FailingEventStore implements EventStore {
  append(): Promise<void> {
    return Promise.reject(new Error('event store down'));
  }
  replayAfter(): Promise<undefined> {
    return Promise.reject(new Error('event store down'));
  }
  drop(): Promise<void> {
    return Promise.reject(new Error('event store down'));
  }
}

/** Accepts the first write of each task (its creation), then fails. */
class FlakyTaskStore implements TaskStore {
  readonly #records = new Map<string, TaskRecord>();
  put(record: TaskRecord): Promise<void> {
    if (this.#records.has(record.taskId)) return Promise.reject(new Error('task store down'));
    this.#records.set(record.taskId, structuredClone(record));
    return Promise.resolve();
  }
  get(taskId: string): TaskRecord | undefined {
    return this.#records.get(taskId);
  }
}

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} };

describe('promises with owners', () => {
  before(() => {
    process.on('unhandledRejection', onUnhandled);
    errorChannel.subscribe(onReport);
  });
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    errorChannel.unsubscribe(onReport);
  });

  it('a task store that fails to record a task outcome is reported, not an unhandled rejection', async () => {
    const errors: string[] = [];
    const server = new McpServer({ name: 't', version: '1', tasks: { store: new FlakyTaskStore() }, onError: (error, { method }) => errors.push(`${method}: ${(error as Error).message}`) });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    server.tool('slow', { taskSupport: 'required' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      finish();
      return 'done';
    });
    const { response } = await modern(server, 'tools/call', { name: 'slow' }, { capabilities: TASKS });
    assert.equal(response.result.resultType, 'task');
    await finished;
    await settle();
    assert.deepEqual(unhandled, []);
    assert.deepEqual(errors, ['tools/call: task store down']);
    // The store still holds the last state it recorded.
    const polled = (await modern(server, 'tasks/get', { taskId: response.result.taskId }, { capabilities: TASKS })).response;
    assert.equal(polled.result.status, 'working');
  });

  it('a task store that fails to record an input request fails the task instead', async () => {
    const errors: string[] = [];
    const server = new McpServer({ name: 't', version: '1', tasks: { store: new FlakyTaskStore() }, onError: (error) => errors.push((error as Error).message) });
    let asked!: (outcome: string) => void;
    const outcome = new Promise<string>((resolve) => (asked = resolve));
    server.tool('ask', { taskSupport: 'required' }, async (_args, ctx) => {
      await ctx.continueAsTask();
      try {
        await ctx.elicit({ message: 'ok?', requestedSchema: { type: 'object', properties: {} } });
        asked('answered');
      } catch (error) {
        asked(`elicit rejected: ${(error as Error).message}`);
        throw error;
      }
      return 'x';
    });
    await modern(server, 'tools/call', { name: 'ask' }, { capabilities: TASKS });
    assert.equal(await outcome, 'elicit rejected: task store down');
    await settle();
    assert.deepEqual(unhandled, []);
  });

  it('an event store that fails appends, replays and drops is reported; the responses still arrive', async () => {
    const server = new McpServer({ name: 't', version: '1' });
    server.tool('progress', {}, (_args, ctx) => {
      ctx.progress(1, 2);
      return 'done';
    });
    const listener = await serveHttp(server, { port: 0, eventStore: new FailingEventStore() });
    const controller = new AbortController();
    try {
      const sessionId = await openSession(listener.url);
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
      const call = await post(listener.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'progress', _meta: { progressToken: 'p' } } }, headers);
      assert.deepEqual(call.json.map((m: { method?: string; result?: unknown }) => m.method ?? 'result'), ['notifications/progress', 'result']);
      await settle();
      assert.deepEqual(unhandled, []);
      assert.deepEqual(takeReports(), ['event store append: event store down', 'event store append: event store down', 'event store drop: event store down']);

      // A resumption the store cannot replay is refused with 500.
      const stream = await fetch(listener.url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
      const reader = stream.body!.getReader();
      const priming = new TextDecoder().decode((await reader.read()).value);
      const eventId = /^id: (.+)$/m.exec(priming)![1];
      const resumed = await fetch(listener.url, { headers: { accept: 'text/event-stream', 'last-event-id': eventId, ...headers } });
      assert.equal(resumed.status, 500);
      assert.deepEqual(await resumed.json(), { jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' } });
      await settle();
      assert.deepEqual(unhandled, []);
      assert.deepEqual(takeReports(), ['HTTP request: event store down']);
    } finally {
      controller.abort();
      await listener.close();
    }
  });

  it('a dispatch that rejects is answered -32603 over HTTP and over a stream, and reported', async () => {
    class BrokenServer extends McpServer {
      override dispatch(): Promise<undefined> {
        return Promise.reject(new Error('dispatch bug'));
      }
    }
    const server = new BrokenServer({ name: 't', version: '1' });
    takeReports();
    const listener = await serveHttp(server, { port: 0 });
    try {
      const answer = await post(listener.url, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: MODERN_META } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
      assert.deepEqual(answer.json, { jsonrpc: '2.0', id: 4, error: { code: -32603, message: 'Internal error' } });
    } finally {
      await listener.close();
    }
    const [clientSide, serverSide] = InMemoryTransport.createPair();
    const replies: unknown[] = [];
    const received = new Promise<void>((resolve) =>
      clientSide.start({
        onMessage: (message: unknown) => {
          replies.push(message);
          resolve();
        },
        onClose() {},
        onFrameError() {},
      }),
    );
    new ServerConnection(server, serverSide).start();
    clientSide.send({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: MODERN_META } });
    await received;
    assert.deepEqual(replies, [{ jsonrpc: '2.0', id: 5, error: { code: -32603, message: 'Internal error' } }]);
    await settle();
    assert.deepEqual(unhandled, []);
    assert.deepEqual(takeReports(), ['tools/list: dispatch bug', 'tools/list: dispatch bug']);
  });
});
