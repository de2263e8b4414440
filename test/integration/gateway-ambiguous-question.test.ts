/**
 * A 2025 upstream over stdio asking a question while several of the gateway's calls to it are
 * in flight: nothing says which call it belongs to (client/input.ts), so the gateway refuses it
 * rather than ask the wrong caller. What the caller reads must say whose question it was.
 * A real gateway (McpManager, Gateway) in front of the test fixture as a real process.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import type { McpError } from '../../src/protocol/wire-errors.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { fixture, textOf } from '../helpers/gateway.ts';

describe('a 2025 upstream\'s question no single call can take', () => {
  it('regression: the refusal names the upstream (it said "Cannot tell which request elicitation/create belongs to", naming no one), and is the upstream\'s lastError', { timeout: 60_000 }, async () => {
    const manager = new McpManager({ mcpServers: { old: fixture([], { era: 'legacy' }) } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const asked: string[] = [];
    const caller = await connectInMemory(server, {
      era: 'legacy',
      capabilities: { elicitation: {} },
      onElicit: async ({ message }) => {
        asked.push(message);
        return { action: 'accept', content: { answer: 'a', sure: true } };
      },
    });
    try {
      // Both calls are in flight when the fixture asks its first question of each: neither can be told apart.
      const outcomes = await Promise.allSettled([caller.client.callTool('old__ask', { question: 'one?' }), caller.client.callTool('old__ask', { question: 'two?' })]);
      const refusal = 'Upstream "old" asked elicitation/create while several of the gateway\'s calls to it were in flight, and nothing said which call it belonged to: the gateway refused it rather than ask the wrong caller';
      for (const outcome of outcomes) {
        assert.equal(outcome.status, 'rejected', JSON.stringify(outcome));
        const error = outcome.reason as McpError;
        assert.equal(error.code, -32603);
        assert.equal(error.message, refusal);
      }
      assert.deepEqual(asked, [], 'no caller was asked a question that may not be its own');
      const health = manager.health().upstreams.find((upstream) => upstream.name === 'old')!;
      assert.equal(health.lastError?.message, refusal);
      // One call at a time, its question is its own.
      assert.equal(textOf(await caller.client.callTool('old__ask', { question: 'three?' })), 'a (sure: true)');
      assert.deepEqual(asked, ['three?', 'Sure?']);
    } finally {
      await caller.close();
      await manager.close();
    }
  });
});
