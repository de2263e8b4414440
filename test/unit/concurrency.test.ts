/** ConcurrencyLimit through a real McpServer's pipeline: slots, the bounded queue, timeouts, cancellation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { Concurrency, ConcurrencyLimit } from '../../src/security/concurrency.ts';
import type { JsonRpcResponse } from '../../src/protocol/jsonrpc.ts';
import type { Refusal } from '../../src/security/edge.ts';
import { TestExchange } from '../helpers/exchange.ts';

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

class Release {
  #resolvers: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.#resolvers.push(resolve));
  }
  one(): void {
    this.#resolvers.shift()?.();
  }
}

function setup(options: ConstructorParameters<typeof Concurrency>[0]) {
  const release = new Release();
  const server = new McpServer({ name: 't', version: '1' });
  server.tool('sync', {}, () => 'sync');
  server.tool('slow', {}, async () => {
    await release.wait();
    return 'slow';
  });
  const concurrency = new Concurrency(options);
  concurrency.install(server);
  const refusals: Refusal[] = [];
  const exchange = () => {
    const ex = new TestExchange();
    (ex as unknown as { refuse(r: Refusal): void }).refuse = (refusal) => refusals.push(refusal);
    return ex;
  };
  const callTool = (name: string, ex = exchange()) => server.dispatch({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {}, _meta: META } }, ex);
  return { release, concurrency, callTool, refusals, exchange };
}

async function settle(value: ReturnType<McpServer['dispatch']>): Promise<JsonRpcResponse | undefined> {
  return value;
}

describe('ConcurrencyLimit', () => {
  it('serves a synchronous handler synchronously while a slot is free', () => {
    const { callTool } = setup({ maxCalls: 1 });
    const out = callTool('sync');
    assert.ok(!(out instanceof Promise));
    assert.equal((out as unknown as { result: { content: Array<{ text: string }> } }).result.content[0].text, 'sync');
  });

  it('queues past the slots, refuses past the queue with 503, and starts the queued in order', async () => {
    const { release, concurrency, callTool, refusals } = setup({ maxCalls: 1, maxQueued: 1 });
    const first = callTool('slow');
    const second = callTool('slow');
    assert.equal(concurrency.running, 1);
    assert.equal(concurrency.queued, 1);
    const third = await settle(callTool('sync'));
    assert.equal((third as { error: { data: { reason: string } } }).error.data.reason, 'overloaded');
    assert.equal(refusals[0].status, 503);
    assert.equal(refusals[0].headers!['retry-after'], '1');
    release.one();
    assert.ok('result' in (await settle(first))!);
    assert.equal(concurrency.queued, 0);
    assert.equal(concurrency.running, 1);
    await new Promise((resolve) => setImmediate(resolve));
    release.one();
    assert.ok('result' in (await settle(second))!);
    assert.equal(concurrency.running, 0);
  });

  it('refuses a call that waited past queueTimeoutMs', async () => {
    const { release, callTool, refusals } = setup({ maxCalls: 1, maxQueued: 5, queueTimeoutMs: 20 });
    const first = callTool('slow');
    const waited = await settle(callTool('sync'));
    assert.match((waited as { error: { message: string } }).error.message, /waited 20 ms/);
    assert.equal(refusals.length, 1);
    release.one();
    await settle(first);
  });

  it('regression: a queueTimeoutMs past what a timer holds (1e12, Infinity) refuses no queued call: it starts when a slot frees (setTimeout refused it after 1 ms)', async () => {
    for (const queueTimeoutMs of [1e12, Number.POSITIVE_INFINITY]) {
      const { release, concurrency, callTool, refusals } = setup({ maxCalls: 1, maxQueued: 5, queueTimeoutMs });
      const first = callTool('slow');
      let queuedSettled = false;
      const queued = settle(callTool('sync')).then((value) => ((queuedSettled = true), value));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(queuedSettled, false, `queueTimeoutMs ${queueTimeoutMs}: the queued call was answered while it waited`);
      assert.deepEqual([refusals.length, concurrency.queued], [0, 1]);
      release.one();
      await settle(first);
      assert.equal(((await queued) as unknown as { result: { content: Array<{ text: string }> } }).result.content[0].text, 'sync');
    }
  });

  it('lets a cancelled call leave the queue without an answer, and gives its place to the next', async () => {
    const { release, concurrency, callTool, exchange } = setup({ maxCalls: 1, maxQueued: 1 });
    const first = callTool('slow');
    const leaving = exchange();
    const queued = callTool('slow', leaving);
    leaving.controller.abort(new Error('gone'));
    assert.equal(await settle(queued), undefined);
    assert.equal(concurrency.queued, 0);
    const next = callTool('slow');
    assert.equal(concurrency.queued, 1);
    release.one();
    await settle(first);
    await new Promise((resolve) => setImmediate(resolve));
    release.one();
    assert.ok('result' in (await settle(next))!);
  });

  it('counts each tool against its own limit and the server-wide one', async () => {
    const { release, concurrency, callTool } = setup({ maxCalls: 3, tools: { slow: { maxCalls: 1, maxQueued: 0 } } });
    const held = callTool('slow');
    const refused = await settle(callTool('slow'));
    assert.match((refused as { error: { message: string } }).error.message, /tool slow is running 1 calls/);
    assert.ok('result' in (await settle(callTool('sync')))!);
    assert.equal(concurrency.tools.get('slow')!.running, 1);
    release.one();
    await settle(held);
  });

  it('needs at least one slot', () => {
    assert.throws(() => new ConcurrencyLimit({ maxCalls: 0 }), /maxCalls/);
  });
});
