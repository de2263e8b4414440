/**
 * The client honours `ttlMs` (spec 2026-07-28, server/utilities/caching): a fresh list or read
 * result is served without asking the server, a list_changed notification makes it stale at
 * once, and results without a positive `ttlMs` are never kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';

const NO_ARGS = { type: 'object', properties: {} } as const;

/** A server that counts the requests it serves, by method. */
function countingServer(cache?: { ttlMs: number; cacheScope: 'public' | 'private' }) {
  const served: Record<string, number> = {};
  const server = new McpServer({ name: 'cached', version: '1.0.0', ...(cache ? { cache: { list: cache, read: cache } } : {}) });
  server.use((next, method) => (request, exchange) => {
    served[method] = (served[method] ?? 0) + 1;
    return next(request, exchange);
  });
  server.tool('first', { description: 'The first tool', inputSchema: NO_ARGS }, () => 'one');
  server.resource('note://a', { name: 'note', description: 'A note' }, () => 'text of a');
  return { server, served };
}

describe('client cache of ttlMs results', () => {
  it('serves a fresh list from the cache with what is left of its ttlMs; reload and no-store ask the server', async () => {
    const { server, served } = countingServer({ ttlMs: 60_000, cacheScope: 'public' });
    const { client, close } = await connectInMemory(server);
    try {
      await client.listTools();
      await client.listTools();
      assert.equal(served['tools/list'], 1);
      const cached = await client.request('tools/list');
      assert.equal(cached.cacheScope, 'public');
      assert.ok(typeof cached.ttlMs === 'number' && cached.ttlMs > 0 && cached.ttlMs <= 60_000);
      assert.equal(served['tools/list'], 1);
      await client.listTools({ cache: 'no-store' });
      assert.equal(served['tools/list'], 2);
      await client.listTools({ cache: 'reload' });
      await client.listTools();
      assert.equal(served['tools/list'], 3);

      await client.readResource('note://a');
      await client.readResource('note://a');
      assert.equal(served['resources/read'], 1);
    } finally {
      await close();
    }
  });

  it('a list_changed notification makes the cached list stale at once', async () => {
    const { server, served } = countingServer({ ttlMs: 60_000, cacheScope: 'public' });
    let acknowledged!: () => void;
    const ready = new Promise<void>((resolve) => (acknowledged = resolve));
    let changed!: (notification: JsonRpcNotification) => void;
    const seen = new Promise<JsonRpcNotification>((resolve) => (changed = resolve));
    const { client, close } = await connectInMemory(server, {
      onNotification: (notification) => {
        if (notification.method === 'notifications/subscriptions/acknowledged') acknowledged();
        if (notification.method === 'notifications/tools/list_changed') changed(notification);
      },
    });
    const listening = new AbortController();
    const subscription = client.request('subscriptions/listen', { notifications: { toolsListChanged: true } }, { signal: listening.signal, timeoutMs: 0 }).catch(() => undefined);
    try {
      await ready;
      assert.deepEqual((await client.listTools()).map((tool) => tool.name), ['first']);
      server.tool('second', { description: 'Added later', inputSchema: NO_ARGS }, () => 'two');
      await seen;
      assert.deepEqual((await client.listTools()).map((tool) => tool.name), ['first', 'second']);
      assert.equal(served['tools/list'], 2);
    } finally {
      listening.abort();
      await subscription;
      await close();
    }
  });

  it('results without a positive ttlMs are not kept; cache: false turns the cache off', async () => {
    const uncached = countingServer();
    const pair = await connectInMemory(uncached.server);
    try {
      await pair.client.listTools();
      await pair.client.listTools();
      assert.equal(uncached.served['tools/list'], 2);
    } finally {
      await pair.close();
    }
    const cached = countingServer({ ttlMs: 60_000, cacheScope: 'private' });
    const off = await connectInMemory(cached.server, { cache: false });
    try {
      await off.client.listTools();
      await off.client.listTools();
      assert.equal(cached.served['tools/list'], 2);
    } finally {
      await off.close();
    }
  });
});
