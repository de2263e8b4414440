/**
 * An upstream's connection serves every call, so it runs outside the async context of the
 * call that happened to begin it: connected on a manager's first use, inside a request, it
 * does not keep that request (its AsyncLocalStorage values) for as long as it lives. Seen with
 * a real stdio upstream and a full collection of this process's heap through the inspector.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Session } from 'node:inspector/promises';
import { describe, it } from 'node:test';
import { McpManager } from '../../src/manager/manager.ts';
import { fixture, textOf } from '../helpers/gateway.ts';

/** What a request puts in an AsyncLocalStorage (the request log: the request itself). */
const requestStore = new AsyncLocalStorage<{ body: string }>();

async function collectGarbage(): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.collectGarbage');
  session.disconnect();
}

describe('an upstream connected while a request is served', () => {
  it('regression: does not keep the request that used the manager first, with the child, pipes and timers it runs', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() } });
    try {
      let request: { body: string } | undefined = { body: 'x'.repeat(1024 * 1024) };
      const held = new WeakRef(request);
      // The first listing starts the manager: the upstream is spawned and connected now.
      const tools = await requestStore.run(request, () => manager.listTools());
      assert.ok(tools.some((tool) => tool.name === 'fx__echo'));
      request = undefined;
      await collectGarbage();
      // Before: the child's pipes and the client's timers kept the request's context.
      assert.equal(held.deref(), undefined, 'the request is still held');
      // The connection still serves.
      assert.equal(textOf(await manager.callTool('fx__echo', { text: 'hi' })), 'hi');
    } finally {
      await manager.close();
    }
  });
});
