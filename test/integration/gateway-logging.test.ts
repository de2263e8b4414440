/**
 * Log messages of an upstream reach the caller whose call they belong to: over HTTP the
 * upstream sends them on the call's own response stream, so two callers whose calls log at
 * the same time each hear their own, and only their own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpManager } from '../../src/manager/manager.ts';
import { Gateway } from '../../src/manager/gateway.ts';
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { FIXTURE, textOf } from '../helpers/gateway.ts';
import { startHttpServer } from '../helpers/processes.ts';

describe('gateway logging', () => {
  it('log messages reach the right callers when two calls on one HTTP upstream log at once', async () => {
    const upstream = await startHttpServer(FIXTURE, ['--http']);
    const manager = new McpManager({ mcpServers: { web: { url: upstream.url } } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const heard: Record<string, unknown[]> = { a: [], b: [] };
    const callers = await Promise.all(
      (['a', 'b'] as const).map((tag) =>
        connectInMemory(server, {
          onNotification: (notification: JsonRpcNotification) => {
            if (notification.method === 'notifications/message') heard[tag].push(notification.params?.data);
          },
        }),
      ),
    );
    try {
      assert.equal(manager.upstream('web')?.era, 'modern');
      const results = await Promise.all(
        callers.map(({ client }, index) => {
          const tag = index === 0 ? 'a' : 'b';
          return client.request('tools/call', { name: 'web__chatty', arguments: { tag }, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
        }),
      );
      assert.deepEqual(results.map(textOf), ['a', 'b']);
      assert.deepEqual(heard, { a: ['a before', 'a after'], b: ['b before', 'b after'] });
    } finally {
      for (const { close } of callers) await close();
      await manager.close();
      await upstream.stop();
    }
  });
});
