import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LegacySession } from '../../src/store/legacy-session.ts';
import { MemorySessionStore } from '../../src/store/session-store.ts';
import { MemoryTaskStore } from '../../src/store/task-store.ts';
import { McpError } from '../../src/protocol/wire-errors.ts';
import { McpLocalError } from '../../src/protocol/local-errors.ts';
import type { JsonRpcMessage, JsonRpcRequest } from '../../src/protocol/jsonrpc.ts';

describe('legacy sessions', () => {
  it('expire when idle, unless a client listens on them', () => {
    const closed: string[] = [];
    const store = new MemorySessionStore({ idleTimeoutMs: 1000 }, { closed: (session) => closed.push(session.id!), inUse: (session) => session.outlet?.connected === true });
    const idle = store.create();
    const listening = store.create();
    store.add(idle);
    store.add(listening);
    listening.outlet = { send: () => true, connected: true };
    const later = Date.now() + 5000;
    store.sweep(later);
    assert.deepEqual(closed, [idle.id]);
    assert.equal(store.get(idle.id!), undefined);
    assert.equal(store.get(listening.id!), listening);
    store.clear();
  });

  it('are capped in number: a full table gives up its least recently used idle session', () => {
    const busy = new Set<LegacySession>();
    const store = new MemorySessionStore({ maxSessions: 3 }, { closed() {}, inUse: (session) => busy.has(session) });
    const [a, b, c] = [store.create('x'), store.create('y'), store.create('z')];
    for (const session of [a, b, c]) store.add(session);
    store.get(a.id!);
    busy.add(b);
    assert.equal(store.makeRoom('w'), undefined);
    assert.equal(c.closed, true, 'c was the least recently used idle session');
    assert.equal(store.size, 2);
    const w = store.create('w');
    store.add(w);
    for (const session of [a, w]) busy.add(session);
    assert.equal(store.makeRoom('v'), 'server', 'every session is in use');
    assert.equal(store.size, 3);
    store.clear();
  });

  it('are capped per client: past its quota a client gives up its own oldest idle session', () => {
    const store = new MemorySessionStore({ maxSessions: 100, maxSessionsPerClient: 2 });
    const [first, second] = [store.create('greedy'), store.create('greedy')];
    const other = store.create('modest');
    for (const session of [first, other, second]) store.add(session);
    assert.equal(store.makeRoom('greedy'), undefined);
    assert.equal(first.closed, true);
    assert.equal(other.closed, false);
    assert.equal(store.countOf('greedy'), 1);
    assert.equal(store.makeRoom('modest'), undefined, 'others are below their quota');
    store.clear();
  });

  it('correlate server-to-client requests with answers, timeouts and closing', async () => {
    const session = new LegacySession('s', '2025-11-25');
    const sent: Array<{ id: string | number }> = [];
    const answered = session.request((m) => sent.push(m as JsonRpcRequest), 'roots/list', {});
    assert.equal(session.settle({ jsonrpc: '2.0', id: sent[0].id, result: { roots: [] } }), true);
    assert.deepEqual(await answered, { roots: [] });
    const refused = session.request((m) => sent.push(m as JsonRpcRequest), 'roots/list', {});
    session.settle({ jsonrpc: '2.0', id: sent[1].id, error: { code: -32601, message: 'no' } });
    await assert.rejects(refused, (e: unknown) => e instanceof McpError && e.code === -32601);
    await assert.rejects(session.request(() => {}, 'roots/list', {}, { timeoutMs: 10 }), (e: unknown) => e instanceof McpLocalError && e.code === 'MCP_ERR_TIMEOUT');
    const pending = session.request(() => {}, 'roots/list', {});
    session.close();
    await assert.rejects(pending, (e: unknown) => e instanceof McpLocalError && e.code === 'MCP_ERR_CONNECTION_CLOSED');
    assert.equal(session.settle({ jsonrpc: '2.0', id: 'unknown', result: {} }), false);
  });

  it('regression: a server-to-client request that times out or is cancelled is withdrawn from the client', async () => {
    // The client was never told: its handler (a user asked to answer an elicitation) ran on for
    // nothing, for ever, once the call the question belonged to was cancelled.
    const session = new LegacySession('s', '2025-11-25');
    const sent: JsonRpcMessage[] = [];
    await assert.rejects(session.request((m) => sent.push(m), 'elicitation/create', {}, { timeoutMs: 10 }), (e: unknown) => e instanceof McpLocalError && e.code === 'MCP_ERR_TIMEOUT');
    const cancel = new AbortController();
    const asked = session.request((m) => sent.push(m), 'elicitation/create', {}, { signal: cancel.signal });
    cancel.abort();
    await assert.rejects(asked, (e: unknown) => e instanceof McpLocalError && e.code === 'MCP_ERR_CANCELLED');
    const [first, , second] = sent as Array<{ id: string }>;
    assert.deepEqual(sent.slice(1, 2).concat(sent.slice(3)), [
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: first.id, reason: 'timeout' } },
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: second.id, reason: 'cancelled' } },
    ]);
    // Answered, it is not withdrawn; and a send that throws (its stream gone) is no failure.
    const answered = session.request((m) => sent.push(m), 'elicitation/create', {}, { timeoutMs: 10 });
    session.settle({ jsonrpc: '2.0', id: (sent.at(-1) as { id: string }).id, result: { action: 'decline' } });
    await answered;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(sent.length, 5);
    await assert.rejects(
      session.request((m) => {
        if (!('id' in m)) throw new Error('the stream is gone');
      }, 'roots/list', {}, { timeoutMs: 10 }),
      (e: unknown) => e instanceof McpLocalError && e.code === 'MCP_ERR_TIMEOUT',
    );
  });
});

describe('the in-memory task store', () => {
  it('forgets tasks after their TTL', () => {
    const store = new MemoryTaskStore();
    const now = new Date().toISOString();
    store.put({ taskId: 'live', status: 'working', createdAt: now, lastUpdatedAt: now, ttlMs: 60_000, owner: '' });
    store.put({ taskId: 'old', status: 'completed', createdAt: new Date(Date.now() - 120_000).toISOString(), lastUpdatedAt: now, ttlMs: 60_000, owner: '' });
    store.put({ taskId: 'forever', status: 'working', createdAt: new Date(0).toISOString(), lastUpdatedAt: now, ttlMs: null, owner: '' });
    assert.equal(store.get('live')?.taskId, 'live');
    assert.equal(store.get('old'), undefined);
    assert.equal(store.get('forever')?.taskId, 'forever');
  });

  it('has room for a task only within its bounds, counting tasks about to be stored; expired records make room, live ones never go', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const store = new MemoryTaskStore();
    const limits = { maxRecords: 3, maxRecordsPerOwner: 2 };
    const query = (owner: string, pendingOwner = 1, pendingTotal = 1) => ({ owner, pendingOwner, pendingTotal, ...limits });
    const put = (taskId: string, owner: string, ttlMs: number | null) => {
      const at = new Date().toISOString();
      store.put({ taskId, status: 'completed', createdAt: at, lastUpdatedAt: at, ttlMs, owner });
    };
    put('a1', 'alice', 1000);
    assert.equal(store.room(query('alice')), undefined);
    assert.equal(store.room(query('alice', 2, 2)), 'owner', 'a task admitted and not stored yet counts');
    put('a2', 'alice', null);
    assert.equal(store.room(query('alice')), 'owner');
    assert.equal(store.room(query('bob')), undefined);
    put('b1', 'bob', 5000);
    assert.equal(store.room(query('bob')), 'total');
    t.mock.timers.tick(1001);
    // a1 expired: it makes room, for Alice and in all; nothing else went.
    assert.equal(store.room(query('alice')), undefined);
    assert.deepEqual([store.size, store.countOf('alice'), store.countOf('bob')], [2, 1, 1]);
    assert.equal(store.get('a2')?.taskId, 'a2');
    put('a3', 'alice', 1000);
    assert.equal(store.room(query('carol')), 'total');
    t.mock.timers.tick(4000);
    // Read after its TTL, a record is forgotten and no longer counted.
    assert.equal(store.get('b1'), undefined);
    assert.equal(store.countOf('bob'), 0);
    assert.equal(store.room(query('carol')), undefined);
  });
  it('keeps an outcome only within the bytes bounds, per owner and in all; expired records give their bytes back, live ones never go', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const store = new MemoryTaskStore();
    const keep = (taskId: string, owner: string, bytes: number, ttlMs = 1000) => {
      const at = new Date().toISOString();
      store.put({ taskId, status: 'working', createdAt: at, lastUpdatedAt: at, ttlMs, owner });
      const final = { taskId, status: 'completed' as const, createdAt: at, lastUpdatedAt: at, ttlMs, owner, result: { content: [] } };
      return store.putOutcome(final, { bytes, maxBytes: 100, maxBytesPerOwner: 60 });
    };
    assert.equal(keep('a1', 'alice', 40), undefined);
    assert.equal(keep('a2', 'alice', 30), 'owner');
    assert.equal(store.get('a2')?.status, 'working', 'a refused outcome is not written');
    assert.equal(keep('b1', 'bob', 50, 5000), undefined);
    assert.equal(keep('c1', 'carol', 20), 'total');
    assert.deepEqual([store.bytes, store.bytesOf('alice'), store.bytesOf('bob'), store.bytesOf('carol')], [90, 40, 50, 0]);
    t.mock.timers.tick(1001);
    // a1 (and the records of a2 and c1) expired: they make room; b1 is live and stays.
    assert.equal(keep('c2', 'carol', 45), undefined);
    assert.deepEqual([store.bytes, store.bytesOf('alice'), store.bytesOf('bob'), store.bytesOf('carol')], [95, 0, 50, 45]);
    assert.equal(store.get('b1')?.status, 'completed');
    // A terminal record stays as it is, and takes no more bytes.
    assert.equal(keep('b1', 'bob', 10, 5000), undefined);
    assert.equal(store.bytesOf('bob'), 50);
  });
});
