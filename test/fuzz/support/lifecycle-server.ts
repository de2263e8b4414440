/**
 * The server the HTTP lifecycle fuzz target talks to: tools whose work waits at a gate the
 * test opens (with progress first when asked), one that asks the client a question first
 * (elicitation), and a task whose work waits at the same gate. Each work names itself with a
 * tag, so the test knows which call reached its handler.
 */
import { McpServer } from '../../../src/server/server.ts';

/** Where works wait until the test lets them go: `release` lets those waiting now go, `open` every one from then on. */
export class TagGate {
  /** Tags of the works that reached the gate. */
  readonly arrived: Set<string>;
  /** Tags of the works waiting at it now. */
  readonly waiting: Set<string>;
  /** Tags of the works running now, at the gate or before it (see {@link work}). */
  readonly running: Set<string>;
  entered: number;
  left: number;
  #waiting: Array<() => void>;
  #open: boolean;

  constructor() {
    this.arrived = new Set();
    this.waiting = new Set();
    this.running = new Set();
    this.entered = 0;
    this.left = 0;
    this.#waiting = [];
    this.#open = false;
  }

  async pass(tag: string): Promise<void> {
    this.entered++;
    this.arrived.add(tag);
    this.waiting.add(tag);
    if (!this.#open) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.waiting.delete(tag);
    this.left++;
  }

  /** Runs a tool's work, known as running until it returns or throws. */
  async work<T>(tag: string, run: () => Promise<T>): Promise<T> {
    this.running.add(tag);
    try {
      return await run();
    } finally {
      this.running.delete(tag);
    }
  }

  release(): void {
    for (const go of this.#waiting.splice(0)) go();
  }

  open(): void {
    this.#open = true;
    this.release();
  }
}

const TAGGED = { type: 'object', properties: { tag: { type: 'string' }, progress: { type: 'boolean' }, detach: { type: 'boolean' } } } as const;

/** Legacy questions to the client wait this long for an answer, so an unanswered one ends soon. */
export const QUESTION_TIMEOUT_MS = 300;

export function lifecycleServer(gate: TagGate, onError: (error: unknown, context: { method: string }) => void): McpServer {
  const server = new McpServer({ name: 'lifecycle', version: '1.0.0', onError, clientRequestTimeoutMs: QUESTION_TIMEOUT_MS });
  server.tool('hold', { description: 'Waits at the gate, reporting progress and closing its stream first when asked', inputSchema: TAGGED }, ({ tag = '', progress = false, detach = false }, ctx) =>
    gate.work(tag, async () => {
      if (progress) ctx.progress(0, 1, 'at the gate');
      // The client is to come back with Last-Event-ID for the rest (SEP-1699).
      if (detach) ctx.closeStream();
      await gate.pass(tag);
      return `released ${tag}`;
    }),
  );
  server.tool('ask', { description: 'Asks the client whether to go on, then waits at the gate', inputSchema: TAGGED }, ({ tag = '' }, ctx) =>
    gate.work(tag, async () => {
      const answer = await ctx.elicit({ message: 'Go on?', requestedSchema: { type: 'object', properties: {} } });
      await gate.pass(tag);
      return answer.action === 'accept' ? 'accepted' : 'not accepted';
    }),
  );
  server.tool('whoami', { description: 'The caller', inputSchema: TAGGED }, (_args, ctx) => ctx.auth?.subject ?? 'anonymous');
  server.tool('job', { description: 'A task that waits at the gate', inputSchema: TAGGED, taskSupport: 'required' }, ({ tag = '' }) =>
    gate.work(tag, async () => {
      await gate.pass(tag);
      return `done ${tag}`;
    }),
  );
  // Its list changes when the test disables or enables it: sessions hear of it on their GET stream.
  server.tool('spare', { description: 'Does nothing' }, () => 'spare');
  return server;
}
