/** The tasks extension through mcp-core's own client: input through tasks/update, cancellation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} };

async function poll(request: () => Promise<Record<string, unknown>>, until: (task: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const task = await request();
    if (until(task)) return task;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('task did not reach the expected state');
}

describe('tasks', () => {
  const server = new McpServer({ name: 'tasks', version: '1.0.0', tasks: { pollIntervalMs: 50, ttlMs: 60_000 } });
  server.tool('approve', { taskSupport: 'required' }, async (_args, ctx) => {
    await ctx.continueAsTask();
    const answer = await ctx.elicit({ message: 'Approve?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }, { key: 'approval' });
    return answer.action === 'accept' ? 'approved' : 'rejected';
  });
  let stopped!: () => void;
  server.tool('forever', { taskSupport: 'optional' }, (_args, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => (stopped(), reject(ctx.signal.reason)))));

  it('asks for input through the task and resumes on tasks/update', async () => {
    const { client, close } = await connectInMemory(server, { capabilities: TASKS });
    try {
      const created = (await client.callTool('approve')) as unknown as Record<string, unknown>;
      assert.equal(created.resultType, 'task');
      assert.equal(created.pollIntervalMs, 50);
      const get = () => client.request('tasks/get', { taskId: created.taskId });
      const waiting = await poll(get, (task) => task.status === 'input_required');
      assert.deepEqual(Object.keys(waiting.inputRequests as object), ['approval']);
      const ack = await client.request('tasks/update', { taskId: created.taskId, inputResponses: { approval: { action: 'accept', content: { ok: true } }, stray: { x: 1 } } });
      assert.deepEqual(Object.keys(ack).sort(), ['_meta', 'resultType']);
      const done = await poll(get, (task) => task.status === 'completed');
      assert.equal((done.result as { content: Array<{ text: string }> }).content[0].text, 'approved');
    } finally {
      await close();
    }
  });

  it('regression: tasks/update answers of the wrong shape for a question the task asked are -32602, and the task still waits (the handler got them as answers)', async () => {
    const { client, close } = await connectInMemory(server, { capabilities: TASKS });
    try {
      const created = (await client.callTool('approve')) as unknown as Record<string, unknown>;
      const get = () => client.request('tasks/get', { taskId: created.taskId });
      await poll(get, (task) => task.status === 'input_required');
      const update = (inputResponses: unknown) => client.request('tasks/update', { taskId: created.taskId, inputResponses });
      await assert.rejects(update({ approval: { action: 'yes' } }), { code: -32602, message: 'Invalid inputResponses: "approval" is not a valid elicitation/create result' });
      await assert.rejects(update({ approval: 'accept' }), { code: -32602, message: 'Invalid inputResponses: "approval" must be an object, not "accept"' });
      await assert.rejects(update(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, {}]))), { code: -32602, message: 'Invalid inputResponses: more than 64 answers, the most questions asked at once' });
      assert.equal((await get()).status, 'input_required');
      await update({ approval: { action: 'decline' } });
      const done = await poll(get, (task) => task.status === 'completed');
      assert.equal((done.result as { content: Array<{ text: string }> }).content[0].text, 'rejected');
    } finally {
      await close();
    }
  });

  it('cancels a running task and stops its work', async () => {
    const { client, close } = await connectInMemory(server, { capabilities: TASKS });
    try {
      const workStopped = new Promise<void>((resolve) => (stopped = resolve));
      const created = (await client.callTool('forever')) as unknown as Record<string, unknown>;
      await client.request('tasks/cancel', { taskId: created.taskId });
      const task = await client.request('tasks/get', { taskId: created.taskId });
      assert.equal(task.status, 'cancelled');
      await workStopped;
      // Cancelling again, or an ended task, is a harmless acknowledgement.
      assert.equal((await client.request('tasks/cancel', { taskId: created.taskId })).resultType, 'complete');
    } finally {
      await close();
    }
  });

  it('runs an optional task synchronously for a client that did not opt in', async () => {
    const quick = new McpServer({ name: 'q', version: '1' });
    quick.tool('quick', { taskSupport: 'optional' }, () => 'now');
    const { client, close } = await connectInMemory(quick);
    try {
      assert.equal((await client.callTool('quick')).content[0].type, 'text');
    } finally {
      await close();
    }
  });
});

describe('task lifetime', () => {
  it('stops a task that outlives its TTL', async () => {
    const server = new McpServer({ name: 'ttl', version: '1.0.0', tasks: { ttlMs: 50 } });
    let stopped!: (reason: unknown) => void;
    const stoppedBy = new Promise((resolve) => (stopped = resolve));
    server.tool('long', { taskSupport: 'required' }, (_args, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => (stopped(ctx.signal.reason), reject(ctx.signal.reason)))));
    const { client, close } = await connectInMemory(server, { capabilities: TASKS });
    try {
      await client.callTool('long');
      assert.match(((await stoppedBy) as Error).message, /Task expired/);
    } finally {
      await close();
    }
  });
});

describe('a task waiting for input', () => {
  /** A task-only tool that asks at once, and says how its question ended. */
  function askingServer(tasks: { ttlMs?: number; maxRunningPerOwner?: number }): { server: McpServer; ended: Promise<unknown> } {
    const server = new McpServer({ name: 'asking', version: '1.0.0', tasks: { pollIntervalMs: 10, ...tasks } });
    const { promise: ended, resolve } = Promise.withResolvers<unknown>();
    server.tool('ask', { taskSupport: 'required' }, async (_args, ctx) => {
      await ctx.continueAsTask();
      try {
        await ctx.elicit({ message: 'Go on?', requestedSchema: { type: 'object', properties: {} } }, { key: 'go' });
      } catch (error) {
        resolve(error);
        throw error;
      }
      resolve('answered');
      return 'went on';
    });
    return { server, ended };
  }

  /** What `promise` settles with, or 'still waiting' after 3 s (it waited for ever before). */
  function within3s(promise: Promise<unknown>): Promise<unknown> {
    return Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 3000).unref())]);
  }

  it('regression: cancelled, its question ends and its work gives back its running slot (it waited for ever, holding maxRunningPerOwner)', async () => {
    const { server, ended } = askingServer({ maxRunningPerOwner: 1 });
    const { client, close } = await connectInMemory(server, { capabilities: TASKS });
    try {
      const created = (await client.callTool('ask')) as unknown as Record<string, unknown>;
      const get = () => client.request('tasks/get', { taskId: created.taskId });
      await poll(get, (task) => task.status === 'input_required');
      await client.request('tasks/cancel', { taskId: created.taskId });
      const error = await within3s(ended);
      assert.ok(error instanceof Error, String(error));
      assert.match(error.message, /Task cancelled/);
      assert.equal((await get()).status, 'cancelled');
      assert.equal(await within3s(poll(async () => ({ running: server.core.tasks.runningCount }), (counts) => counts.running === 0).then(() => 0)), 0);
      // The owner's one slot is free: the next call is a task again, not refused with -32000.
      const next = (await client.callTool('ask')) as unknown as Record<string, unknown>;
      assert.equal(next.resultType, 'task');
      await client.request('tasks/cancel', { taskId: next.taskId });
    } finally {
      await close();
    }
  });

  it('regression: past its TTL, its question ends, the task is stopped and no longer found (it stayed input_required, found, for ever)', async () => {
    const { server, ended } = askingServer({ ttlMs: 200 });
    const { client, close } = await connectInMemory(server, { capabilities: TASKS });
    try {
      const created = (await client.callTool('ask')) as unknown as Record<string, unknown>;
      const error = await within3s(ended);
      assert.ok(error instanceof Error, String(error));
      assert.match(error.message, /Task expired/);
      assert.equal(await within3s(poll(async () => ({ running: server.core.tasks.runningCount }), (counts) => counts.running === 0).then(() => 0)), 0);
      await assert.rejects(client.request('tasks/get', { taskId: created.taskId }), { code: -32602, message: /Task not found/ });
    } finally {
      await close();
    }
  });
});
