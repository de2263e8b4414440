/**
 * A server with task-enabled tools whose work waits at a gate, counting how many of their works
 * run as tasks at once: for the tests of the task bounds, in process (HTTP) and as a stdio child
 * (test/fixtures/task-bounds-server.ts).
 */
import { McpServer } from '../../src/server/server.ts';
import type { TaskOptions } from '../../src/server/tasks.ts';

/** What the tools saw. */
export interface TaskCounts {
  /** Works that started (as tasks or not). */
  started: number;
  /** Works running as tasks now, and the most there ever were at once. */
  tasks: number;
  peakTasks: number;
  /** Works of `must` (task support required) that started. */
  mustStarted: number;
}

export class TaskBoundsServer {
  readonly server: McpServer;
  readonly counts: TaskCounts;
  readonly #gate: PromiseWithResolvers<void>;
  #waiters: Array<() => void>;

  constructor(tasks: TaskOptions) {
    this.server = new McpServer({ name: 'task-bounds', version: '1.0.0', tasks: { pollIntervalMs: 10, ...tasks } });
    this.counts = { started: 0, tasks: 0, peakTasks: 0, mustStarted: 0 };
    this.#gate = Promise.withResolvers();
    this.#waiters = [];
    const counts = this.counts;
    // Becomes a task as soon as it can (continueAsTask), then waits at the gate.
    const work = async (ctx: { continueAsTask(): Promise<void>; readonly taskId: string | undefined }) => {
      await ctx.continueAsTask();
      const asTask = ctx.taskId !== undefined;
      if (asTask) counts.peakTasks = Math.max(counts.peakTasks, ++counts.tasks);
      counts.started++;
      for (const waiter of this.#waiters.splice(0)) waiter();
      try {
        await this.#gate.promise;
      } finally {
        if (asTask) counts.tasks--;
      }
      return asTask ? 'done as a task' : 'done as a plain call';
    };
    this.server.tool('job', { description: 'Waits at the gate; a task when it may be one', taskSupport: 'optional' }, (_args, ctx) => work(ctx));
    this.server.tool('must', { description: 'Waits at the gate, always as a task', taskSupport: 'required' }, (_args, ctx) => {
      counts.mustStarted++;
      return work(ctx);
    });
    this.server.tool('quick', { description: 'A task that finishes at once', taskSupport: 'required' }, () => 'quick');
    this.server.tool(
      'echo',
      { description: 'A task that finishes at once with its input as result', taskSupport: 'required', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
      ({ text = '' }) => text as string,
    );
    this.server.tool('soon', { description: 'Becomes a task when it may, then finishes', taskSupport: 'optional' }, async (_args, ctx) => {
      await ctx.continueAsTask();
      return ctx.taskId === undefined ? 'plain' : 'as a task';
    });
    // For a client in another process: what the tools saw, once `count` works started; and the gate.
    this.server.tool('counts', { inputSchema: { type: 'object', properties: { started: { type: 'integer' } } } }, async ({ started = 0 }) => {
      await this.started(started as number);
      return { structuredContent: { ...counts }, content: [{ type: 'text', text: JSON.stringify(counts) }] };
    });
    this.server.tool('open', { description: 'Lets every work waiting at the gate go on' }, () => {
      this.open();
      return 'open';
    });
  }

  /** Resolves once `count` works have started. */
  async started(count: number): Promise<void> {
    while (this.counts.started < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  open(): void {
    this.#gate.resolve();
  }
}
