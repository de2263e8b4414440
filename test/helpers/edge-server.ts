/** A small server for edge and bounds tests: who is calling, calls that wait, a task. */
import { McpServer } from '../../src/server/server.ts';
import { Refusal, type EdgeHook } from '../../src/security/edge.ts';

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Calls of `hold` wait here until the test lets them go. */
export class Gate {
  #open: Promise<void>;
  #release!: () => void;
  entered = 0;
  /** Calls cancelled while waiting (the gate ignores it: they wait on, as a handler that does not listen would). */
  cancelled = 0;
  /** Calls that went through the gate and returned. */
  left = 0;
  #waiters: Array<() => void> = [];

  constructor() {
    this.#open = new Promise((resolve) => (this.#release = resolve));
  }

  async pass(): Promise<void> {
    this.entered++;
    for (const waiter of this.#waiters.splice(0)) waiter();
    await this.#open;
  }

  /** Resolves once `count` calls are waiting at the gate. */
  async reached(count: number): Promise<void> {
    while (this.entered < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  open(): void {
    this.#release();
  }
}

export function createEdgeServer(gate = new Gate(), onError?: (error: unknown) => void): McpServer {
  const server = new McpServer({ name: 'edge-test', version: '1.0.0', onError });
  server.tool('whoami', { description: 'The caller', inputSchema: { type: 'object' } }, (_args, ctx) => ctx.auth?.subject ?? 'anonymous');
  server.tool(
    'wait',
    {
      description: 'Waits, reporting progress first when asked',
      inputSchema: { type: 'object', properties: { ms: { type: 'number' }, progress: { type: 'boolean' }, blob: { type: 'string' } } },
    },
    async ({ ms = 0, progress = false }, ctx) => {
      if (progress) ctx.progress(0, 1, 'started');
      await wait(ms as number, ctx.signal);
      return `waited ${ms}`;
    },
  );
  server.tool(
    'hold',
    {
      description: 'Waits at the gate, reporting progress or closing its stream (SEP-1699) first when asked',
      inputSchema: { type: 'object', properties: { blob: { type: 'string' }, progress: { type: 'boolean' }, detach: { type: 'boolean' } } },
    },
    async ({ progress = false, detach = false }, ctx) => {
      if (progress) ctx.progress(0, 1, 'at the gate');
      if (detach) ctx.closeStream();
      ctx.signal.addEventListener('abort', () => gate.cancelled++, { once: true });
      await gate.pass();
      gate.left++;
      return 'released';
    },
  );
  server.tool(
    'job',
    { description: 'A task', inputSchema: { type: 'object', properties: { ms: { type: 'number' } } }, taskSupport: 'required' },
    async ({ ms = 50 }, ctx) => {
      await wait(ms as number, ctx.signal);
      return 'done';
    },
  );
  server.resource('demo://known', { name: 'known' }, () => 'known');
  server.resourceTemplate('demo://items/{id}', { name: 'item' }, (_uri, { id }) => `item ${id}`);
  return server;
}

/**
 * `Authorization: Bearer NAME` names the principal NAME; `Bearer async-NAME` does so after a
 * turn of the event loop; `Bearer boom` makes the hook throw; anything else is refused 401.
 */
export const bearerEdge: EdgeHook = (head) => {
  const value = head.headers.authorization;
  const token = typeof value === 'string' && value.startsWith('Bearer ') ? value.slice(7) : undefined;
  if (token === 'boom') throw new Error('the hook broke');
  if (token === undefined || token === '') {
    return new Refusal(401, { code: -32000, message: 'Unauthorized' }, { 'www-authenticate': 'Bearer resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource"' });
  }
  if (token.startsWith('async-')) return new Promise((resolve) => setImmediate(() => resolve({ subject: token.slice(6), scopes: [] })));
  return { subject: token, scopes: [] };
};
