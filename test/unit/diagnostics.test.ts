import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { McpError } from '../../src/protocol/wire-errors.ts';
import { McpServer } from '../../src/server/server.ts';
import type { DispatchMessage, ToolMessage } from '../../src/server/diagnostics.ts';
import { MODERN_META } from '../helpers/http.ts';
import { TestExchange, modern } from '../helpers/exchange.ts';

const dispatchChannel = diagnostics_channel.tracingChannel<unknown, DispatchMessage>('mcp-core:dispatch');
const toolChannel = diagnostics_channel.tracingChannel<unknown, ToolMessage>('mcp-core:tool');

type Event = [string, Record<string, unknown>];

/** Subscribes to every event of a tracing channel, recording what each message says then. */
function record<M extends object>(channel: diagnostics_channel.TracingChannel<unknown, M>, pick: (message: M) => Record<string, unknown>) {
  const events: Event[] = [];
  const on = (name: string) => (message: M) => events.push([name, pick(message)]);
  const subscribers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') };
  channel.subscribe(subscribers);
  return { events, stop: () => channel.unsubscribe(subscribers) };
}

function newServer(): McpServer {
  const server = new McpServer({ name: 'diagnostics', version: '1.0.0' });
  server.tool('sync', {}, () => 'now');
  server.tool('async', {}, async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return 'later';
  });
  server.tool('throws', {}, () => {
    throw new Error('boom');
  });
  return server;
}

describe('diagnostics channels', () => {
  it('publishes a synchronous dispatch as start and a settled end, and stays synchronous', () => {
    const server = newServer();
    const { events, stop } = record(dispatchChannel, (m) => ({ method: m.request.method, settled: m.settled, result: m.result, server: m.server === server }));
    try {
      const out = server.dispatch({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sync', _meta: MODERN_META } }, new TestExchange());
      assert.equal(out instanceof Promise, false);
      assert.deepEqual(events.map(([name]) => name), ['start', 'end']);
      assert.deepEqual(events[0][1], { method: 'tools/call', settled: false, result: undefined, server: true });
      assert.equal(events[1][1].settled, true);
      assert.equal(events[1][1].result, out);
    } finally {
      stop();
    }
  });

  it('publishes an asynchronous dispatch as start, end, asyncStart, asyncEnd with the response', async () => {
    const server = newServer();
    const { events, stop } = record(dispatchChannel, (m) => ({ settled: m.settled, result: m.result, era: m.exchange.session === undefined ? 'modern' : 'legacy' }));
    try {
      const { response } = await modern(server, 'tools/call', { name: 'async' });
      assert.deepEqual(events.map(([name, m]) => [name, m.settled]), [['start', false], ['end', false], ['asyncStart', true], ['asyncEnd', true]]);
      assert.equal(events[3][1].result, response);
      assert.equal(events[3][1].era, 'modern');
    } finally {
      stop();
    }
  });

  it('shows refusals by interceptors and unknown methods as error responses', async () => {
    const server = newServer();
    server.use(() => () => {
      throw new McpError(-32001, 'Refused');
    }, { methods: ['tools/list'] });
    const { events, stop } = record(dispatchChannel, (m) => ({ error: (m.result as any)?.error?.code }));
    try {
      await modern(server, 'tools/list');
      await modern(server, 'no/such');
      assert.deepEqual(events.filter(([name]) => name === 'end').map(([, m]) => m.error), [-32001, -32601]);
    } finally {
      stop();
    }
  });

  it('publishes each run of a tool handler, with what it returned or threw', async () => {
    const server = newServer();
    const { events, stop } = record(toolChannel, (m) => ({ tool: m.tool.name, settled: m.settled, result: m.result, error: (m.error as Error | undefined)?.message, method: m.context.method }));
    try {
      await modern(server, 'tools/call', { name: 'sync' });
      await modern(server, 'tools/call', { name: 'async' });
      const failed = (await modern(server, 'tools/call', { name: 'throws' })).response;
      assert.equal(failed.result.isError, true);
      assert.deepEqual(events.map(([name, m]) => [name, m.tool, m.settled]), [
        ['start', 'sync', false], ['end', 'sync', true],
        ['start', 'async', false], ['end', 'async', false], ['asyncStart', 'async', true], ['asyncEnd', 'async', true],
        ['start', 'throws', false], ['error', 'throws', true], ['end', 'throws', true],
      ]);
      assert.equal(events[1][1].result, 'now');
      assert.equal(events[5][1].result, 'later');
      assert.equal(events[7][1].error, 'boom');
      assert.equal(events[0][1].method, 'tools/call');
    } finally {
      stop();
    }
  });

  it('lets a subscriber bind an AsyncLocalStorage that the handler and its awaits see', async () => {
    const server = newServer();
    const storage = new AsyncLocalStorage<string>();
    let seen: string[] = [];
    server.tool('where', {}, async () => {
      seen.push(storage.getStore() ?? 'none');
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(storage.getStore() ?? 'none');
      return 'ok';
    });
    const subscribers = { start() {}, end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    dispatchChannel.subscribe(subscribers);
    dispatchChannel.start.bindStore(storage, (message) => `request ${message.request.id}`);
    try {
      const { response } = await modern(server, 'tools/call', { name: 'where' });
      assert.deepEqual(seen, [`request ${response.id}`, `request ${response.id}`]);
    } finally {
      dispatchChannel.start.unbindStore(storage);
      dispatchChannel.unsubscribe(subscribers);
    }
    seen = [];
    await modern(server, 'tools/call', { name: 'where' });
    assert.deepEqual(seen, ['none', 'none']);
  });

  it('publishes nothing once the last subscriber leaves', async () => {
    const server = newServer();
    const { events, stop } = record(dispatchChannel, () => ({}));
    stop();
    assert.equal(dispatchChannel.hasSubscribers, false);
    await modern(server, 'tools/call', { name: 'sync' });
    assert.equal(events.length, 0);
  });
});
