import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TASKS_EXTENSION } from '../../src/protocol/meta.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';

describe('client: extensions per request', () => {
  it('opts one request in to the tasks extension, leaving the others as they were', async () => {
    const server = new McpServer({ name: 'tasks', version: '1.0.0' });
    server.tool('work', { taskSupport: 'optional' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return 'done';
    });
    const { client, close } = await connectInMemory(server);
    try {
      const plain = await client.request('tools/call', { name: 'work', arguments: {} });
      assert.equal(plain.resultType, 'complete');
      const task = await client.request('tools/call', { name: 'work', arguments: {} }, { extensions: { [TASKS_EXTENSION]: {} } });
      assert.equal(task.resultType, 'task');
      assert.equal(typeof task.taskId, 'string');
      assert.equal(client.capabilities.extensions, undefined, 'the client\'s own capabilities are untouched');
    } finally {
      await close();
    }
  });
});
