/**
 * One case of a client fuzz target: the real McpClient connects to a hostile server, makes a
 * call, makes another, then (the server told to behave) a last one, and closes. Every step must
 * settle within a bound far past the client's own timeouts, with a result or a clear error (an
 * McpError or McpLocalError with a readable message); the last call succeeds unless the client
 * reports itself closed; and nothing escapes to the process (unhandled rejections, uncaught
 * exceptions, errors reported as bugs on the `mcp-core:error` channel).
 */
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import fc from 'fast-check';
import { McpClient, type ClientOptions, type Era } from '../../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../../src/protocol/local-errors.ts';
import { McpError } from '../../../src/protocol/wire-errors.ts';
import type { Transport } from '../../../src/transport/transport.ts';

/** Far past every bound the fuzzed client is given: a step that takes longer hangs. */
const WATCHDOG_MS = 30_000;
/** The client's own request timeout in the cases. */
export const REQUEST_TIMEOUT_MS = 1000;
/** The timeout of the call made once the server behaves. */
const LAST_CALL_TIMEOUT_MS = 20_000;

export type Call = 'tools/call' | 'tools/list' | 'resources/list' | 'resources/read' | 'prompts/get' | 'ping';
export const call: fc.Arbitrary<Call> = fc.constantFrom('tools/call', 'tools/list', 'resources/list', 'resources/read', 'prompts/get', 'ping');
export const era: fc.Arbitrary<Era | 'auto'> = fc.constantFrom('modern', 'legacy', 'auto');

/** What escaped to the process while the target ran. */
export class Escapes {
  readonly seen: string[] = [];
  readonly #onRejection = (reason: unknown) => this.seen.push(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`);
  readonly #onException = (error: Error) => this.seen.push(`uncaught exception: ${error?.stack ?? String(error)}`);
  readonly #onReport = (report: unknown) => this.seen.push(`reported as a bug: ${((report as { error?: Error }).error)?.stack ?? String(report)}`);

  watch(): void {
    process.on('unhandledRejection', this.#onRejection);
    process.on('uncaughtException', this.#onException);
    diagnostics_channel.subscribe('mcp-core:error', this.#onReport);
  }

  unwatch(): void {
    process.off('unhandledRejection', this.#onRejection);
    process.off('uncaughtException', this.#onException);
    diagnostics_channel.unsubscribe('mcp-core:error', this.#onReport);
  }

  assertNone(): void {
    assert.deepEqual(this.seen.splice(0), []);
  }
}

/** Outcomes counted over a run, printed so a reader sees what the cases reached. */
export class Tally {
  readonly #counts = new Map<string, number>();

  count(step: string, outcome: { value?: unknown; error?: unknown }): void {
    const what = outcome.error === undefined ? 'ok' : ((outcome.error as { code?: unknown }).code ?? 'error');
    const key = `${step} ${String(what)}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  print(target: string): void {
    const lines = [...this.#counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${key}: ${n}`);
    process.stdout.write(`# fuzz ${target} outcomes: ${lines.join(', ')}\n`);
  }
}

function checkClear(error: unknown, step: string): void {
  assert.ok(error instanceof McpError || error instanceof McpLocalError, `${step} failed with ${(error as Error)?.stack ?? String(error)}`);
  assert.equal(typeof error.message, 'string');
  // A JSON-RPC error carries the server's words as they came, with a code JSON-RPC allows (an
  // integer: one that is not is a malformed answer); the client's own say something.
  if (error instanceof McpError) assert.ok(Number.isSafeInteger(error.code), `${step}: an McpError whose code is not an integer: ${error.stack}`);
  else assert.ok(error.message.length > 0, `${step}: an error without a message`);
  assert.doesNotMatch(error.message, /\[object Object\]/, `${step}: ${error.message}`);
}

/** `promise`, or a failure naming `step` if it has not settled within WATCHDOG_MS. */
export async function bounded<T>(promise: Promise<T>, step: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Hung(`${step} did not settle within ${WATCHDOG_MS} ms`)), WATCHDOG_MS)));
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

class Hung extends Error {}

/** Waits for `promise` at most WATCHDOG_MS; a rejection must be a clear error. */
async function settled<T>(promise: Promise<T>, step: string): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await bounded(promise, step) };
  } catch (error) {
    if (error instanceof Hung) throw error;
    checkClear(error, step);
    return { error };
  }
}

function make(client: McpClient, method: Call): Promise<unknown> {
  const options = { onProgress: () => undefined };
  switch (method) {
    case 'tools/call':
      return client.callTool('t', { a: 1 }, options);
    case 'tools/list':
      return client.listTools(options);
    case 'resources/list':
      return client.listResources(options);
    case 'resources/read':
      return client.readResource('x://y', options);
    case 'prompts/get':
      return client.getPrompt('p', {}, options);
    case 'ping':
      return client.ping(options);
  }
}

export interface CaseOptions {
  era: Era | 'auto';
  call: Call;
  transport: () => Transport;
  /** Has the server behave from now on; settles once it will. */
  behave: () => Promise<void> | void;
  tally: Tally;
}

/** Runs one case; throws (an assertion) when the client broke the property. */
export async function runCase(options: CaseOptions): Promise<void> {
  let closed = false;
  const clientOptions: ClientOptions = {
    name: 'fuzz',
    version: '1.0.0',
    era: options.era,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    probeTimeoutMs: REQUEST_TIMEOUT_MS,
    maxListPages: 4,
    onElicit: () => ({ action: 'decline' }),
    onListRoots: () => ({ roots: [] }),
    onSample: () => ({ role: 'assistant', content: { type: 'text', text: 'no' }, model: 'none' }),
  };
  const client = new McpClient(clientOptions);
  void client.closed.then(() => (closed = true));
  try {
    const connected = await settled(client.connect(options.transport()), 'connect');
    options.tally.count('connect', connected);
    if (connected.error === undefined) {
      options.tally.count(options.call, await settled(make(client, options.call), options.call));
      options.tally.count('second call', await settled(client.callTool('second'), 'the second call'));
    }
    await options.behave();
    // The server answers it at once: its timeout is only a bound, which a busy machine cannot reach.
    const last = await settled(client.callTool('last', {}, { timeoutMs: LAST_CALL_TIMEOUT_MS }), 'the call after the server behaves');
    options.tally.count('last call', last);
    // A close the last call met has told `closed` by the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    if (!closed) {
      assert.equal(last.error, undefined, `the client is open, yet failed a proper answer: ${(last.error as Error)?.stack}`);
      assert.deepEqual((last.value as { content?: unknown }).content, [{ type: 'text', text: 'ok' }]);
    } else if (last.error !== undefined) {
      assert.ok(last.error instanceof McpLocalError && last.error.code === LocalErrorCode.ConnectionClosed, `closed, yet failed with ${(last.error as Error).stack}`);
    }
  } finally {
    await settled(client.close(), 'close');
  }
}
