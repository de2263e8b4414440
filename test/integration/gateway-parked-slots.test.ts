/**
 * An upstream call that waits for its caller's answer to the upstream's question holds no call
 * slot of its upstream, and the caller's time to answer is not the upstream's: a real
 * `mcp-core serve` gateway in front of test/fixtures/upstream.ts (whose `ask` asks two
 * elicitations in turn), with few slots. Callers who leave their questions unanswered (a user
 * closing a dialog) must not keep the upstream from everyone else until inputTimeoutMs, and a
 * caller who answers after longer than the upstream's timeoutMs must get its result, not a
 * `slow` failure that counts against the upstream's breaker. A call cancelled while it waits for
 * a slot (queued, or to take one again after its caller's answer) gives its place up at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { configFile } from '../helpers/auth-requests.ts';
import { fixture, textOf } from '../helpers/gateway.ts';
import { callTool, MODERN_META, post } from '../helpers/http.ts';
import { metricReaches } from '../helpers/prometheus.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';
import type { ElicitResult } from '../../src/protocol/types.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';

const ASKS = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
/** What a prompt call must take at most; before, such calls queued until inputTimeoutMs (20 s here). */
const PROMPT_MS = 3000;

/** `promise`, or a failure naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A modern caller's round of `tools/call`: the first (no answers), or a retry with `answers`. */
async function round(url: string, id: number, name: string, args: Record<string, unknown>, retry?: { requestState: string; answers: Record<string, unknown> }) {
  const params: Record<string, unknown> = { name, arguments: args, _meta: { ...MODERN_META, ...ASKS } };
  if (retry !== undefined) Object.assign(params, { requestState: retry.requestState, inputResponses: retry.answers });
  const answer = await post(url, { jsonrpc: '2.0', id, method: 'tools/call', params }, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': name });
  assert.equal(answer.status, 200, answer.text);
  assert.ok(answer.json.result !== undefined, answer.text);
  return answer.json.result as { resultType?: string; requestState?: string; inputRequests?: Record<string, unknown>; content?: unknown; isError?: boolean };
}

/** The one key of an InputRequiredResult's questions. */
function keyOf(result: { inputRequests?: Record<string, unknown> }): string {
  const keys = Object.keys(result.inputRequests ?? {});
  assert.equal(keys.length, 1, JSON.stringify(result));
  return keys[0];
}

/** Answers both questions of `ask` (left waiting by `first`); resolves with the call's result. */
async function answerBoth(url: string, name: string, question: string, first: { requestState?: string; inputRequests?: Record<string, unknown> }) {
  const sure = await round(url, 20, name, { question }, { requestState: first.requestState!, answers: { [keyOf(first)]: { action: 'accept', content: { answer: 'yes' } } } });
  assert.equal(sure.resultType, 'input_required', JSON.stringify(sure));
  return round(url, 21, name, { question }, { requestState: sure.requestState!, answers: { [keyOf(sure)]: { action: 'accept', content: { sure: true } } } });
}

async function echo(url: string, name: string): Promise<string> {
  const answer = await callTool(url, 30, name, { text: 'served' });
  assert.equal(answer.status, 200, answer.text);
  return textOf(answer.json.result);
}

describe('gateway: upstream calls waiting for their callers hold no call slot', () => {
  let served: Served;
  before(async () => {
    const config = configFile({
      mcpServers: {
        // Two slots, four queue places.
        up: { ...fixture([], { era: 'modern' }), maxConcurrency: 2, maxQueue: 4 },
        // A 2025 upstream: its question comes while its call is in flight, under a timeout of
        // 1.5 s; one slow call would open its breaker.
        old: { ...fixture([], { era: 'legacy' }), maxConcurrency: 1, timeoutMs: 1500, breaker: { consecutiveFailures: 1 } },
      },
      gateway: { watch: false, inputTimeoutMs: 20_000 },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
  });
  after(() => stopServe(served));

  it('regression: two 2026-07-28 callers leaving their questions unanswered do not block the other calls of an upstream with two slots', async () => {
    const left = await Promise.all([1, 2].map((id) => round(served.url, id, 'up__ask', { question: `left ${id}` })));
    for (const result of left) assert.equal(result.resultType, 'input_required', JSON.stringify(result));
    // Before: both slots stayed with the waiting calls, and this call queued until inputTimeoutMs.
    assert.equal(await within(echo(served.url, 'up__echo'), PROMPT_MS, 'a call while two questions wait'), 'served');
    // The slots still bound the upstream's work: four calls at once run two at a time.
    const most = await within(
      Promise.all([1, 2, 3, 4].map((i) => callTool(served.url, 40 + i, 'up__concurrency', { ms: 200 }))),
      PROMPT_MS,
      'four calls while two questions wait',
    );
    assert.deepEqual(most.map((answer) => answer.json.result.structuredContent.most), [2, 2, 2, 2]);
    // An answer coming back continues its call, which takes a slot again for its upstream's work.
    const done = await within(answerBoth(served.url, 'up__ask', 'left 1', left[0]), PROMPT_MS, 'the answered call');
    assert.equal(textOf(done as { content?: unknown }), 'yes (sure: true)');
  });

  it('regression: a 2025 upstream waiting for a slow caller neither holds its slot nor times out as slow', async () => {
    const first = await round(served.url, 5, 'old__ask', { question: 'take your time' });
    assert.equal(first.resultType, 'input_required', JSON.stringify(first));
    // Before: the one slot was the waiting call's, so this call queued until the upstream's
    // timeout (1.5 s) failed the waiting one as slow.
    assert.equal(await within(echo(served.url, 'old__echo'), 1000, 'a call while a question waits'), 'served');
    // The caller thinks for longer than the upstream's timeoutMs.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // Before: "Upstream "old" did not answer in time (slow)", which opened its breaker.
    const done = await within(answerBoth(served.url, 'old__ask', 'take your time', first), PROMPT_MS, 'the answered call');
    assert.equal(done.isError, undefined, JSON.stringify(done));
    assert.equal(textOf(done as { content?: unknown }), 'yes (sure: true)');
    assert.equal(await within(echo(served.url, 'old__echo'), PROMPT_MS, 'a call after the answer'), 'served');
  });

  it('regression: two 2025 callers leaving their questions unanswered do not block the other calls of the upstream', async () => {
    let answer: () => void = () => undefined;
    const answering = new Promise<void>((resolve) => (answer = resolve));
    const asked: string[] = [];
    const caller = new McpClient({
      name: 'legacy-caller',
      version: '1.0.0',
      era: 'legacy',
      // The first question of each call waits until the test answers; the second is answered at once.
      onElicit: async ({ message }): Promise<ElicitResult> => {
        asked.push(message);
        if (message === 'Sure?') return { action: 'accept', content: { sure: true } };
        await answering;
        return { action: 'accept', content: { answer: 'later' } };
      },
    });
    try {
      await caller.connect(new StreamableHttpClientTransport(served.url));
      const calls = [1, 2].map((i) => caller.callTool('up__ask', { question: `legacy ${i}` }));
      await within(
        (async () => {
          while (asked.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
        })(),
        PROMPT_MS,
        'both questions',
      );
      // Before: both slots stayed with the calls waiting for this caller's answers.
      assert.equal(await within(echo(served.url, 'up__echo'), PROMPT_MS, 'a call while two 2025 callers think'), 'served');
      answer();
      const results = await within(Promise.all(calls), PROMPT_MS, 'the answered calls');
      assert.deepEqual(results.map((result) => textOf(result)), ['later (sure: true)', 'later (sure: true)']);
    } finally {
      await caller.close();
    }
  });
});

describe('gateway: a 2025 caller who does not answer in time', () => {
  it("regression: fails the call as the caller's, not as the 2026-07-28 upstream's slowness that opens its breaker", async () => {
    const manager = new McpManager({ mcpServers: { up: { ...fixture([], { era: 'modern' }), breaker: { consecutiveFailures: 1 } } } });
    // The gateway waits 300 ms for its caller's answer (5 min by default).
    const server = new McpServer({ name: 'gateway', version: '1.0.0', clientRequestTimeoutMs: 300 });
    new Gateway(server, manager);
    await manager.start();
    const { client, close } = await connectInMemory(server, { era: 'legacy', onElicit: () => new Promise<ElicitResult>(() => {}) });
    try {
      // Before: 'Upstream "up" did not answer in time (slow): elicitation/create timed out after 300 ms', which opened its breaker.
      await assert.rejects(
        within(client.callTool('up__ask', { question: 'never answered' }), PROMPT_MS, 'the unanswered call'),
        /caller did not answer the upstream's question: elicitation\/create timed out/,
      );
      assert.equal(manager.health().upstreams[0].breaker, 'closed');
      assert.equal(textOf(await within(client.callTool('up__echo', { text: 'served' }), PROMPT_MS, 'a call after it')), 'served');
    } finally {
      await close();
      await manager.close();
    }
  });
});

describe('gateway: a call cancelled while it waits for a slot of its upstream', () => {
  let served: Served;
  before(async () => {
    // One slot and one queue place each; a breaker that one fault opens (a cancellation is none).
    const tight = { maxConcurrency: 1, maxQueue: 1, breaker: { consecutiveFailures: 1 } };
    const config = configFile({
      mcpServers: {
        queue: { ...fixture([], { era: 'modern' }), ...tight },
        resume: { ...fixture([], { era: 'modern' }), ...tight },
        oldResume: { ...fixture([], { era: 'legacy' }), ...tight },
      },
      gateway: { watch: false },
      // Every scrape reads the counts anew (by default scrapes past a burst get a gather up to 1 s old).
      metrics: { enabled: true, maxAgeMs: 0 },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
  });
  after(() => stopServe(served));

  const running = (upstream: string, count: number) => metricReaches(served.url, 'mcp_upstream_calls_in_flight', count, { upstream });
  const queued = (upstream: string, count: number, ms?: number) => metricReaches(served.url, 'mcp_upstream_calls_queued', count, { upstream }, ms);

  /** A call of `hang` holding the upstream's one slot until `leave()` closes its request. */
  async function hang(upstream: string): Promise<{ leave: () => Promise<unknown> }> {
    const caller = new AbortController();
    const call = callTool(served.url, 90, `${upstream}__hang`, {}, {}, caller.signal).catch(() => undefined);
    await running(upstream, 1);
    return { leave: () => (caller.abort(), call) };
  }

  for (const era of ['2026-07-28', '2025'] as const) {
    it(`regression: a queued call whose ${era} caller cancels it leaves the queue at once; the next call is queued, not refused as overloaded`, async () => {
      const hanging = await hang('queue');
      const leaving = new AbortController();
      const legacy = new McpClient({ name: 'legacy-caller', version: '1.0.0', era: 'legacy' });
      try {
        let left: Promise<unknown>;
        if (era === '2025') {
          await legacy.connect(new StreamableHttpClientTransport(served.url));
          // The caller sends notifications/cancelled.
          left = legacy.callTool('queue__echo', { text: 'left' }, { signal: leaving.signal }).catch(() => undefined);
        } else {
          // The caller closes its request.
          left = callTool(served.url, 2, 'queue__echo', { text: 'left' }, {}, leaving.signal).catch(() => undefined);
        }
        await queued('queue', 1);
        leaving.abort();
        await left;
        // Before: the cancelled call kept its queue place until the hanging call's slot was free.
        await queued('queue', 0, PROMPT_MS);
        // Before: refused at once as overloaded, the one queue place being the cancelled call's.
        const next = callTool(served.url, 3, 'queue__echo', { text: 'served' });
        await queued('queue', 1);
        await hanging.leave();
        const answer = await within(next, PROMPT_MS, 'the call queued after the cancelled one');
        assert.equal(textOf(answer.json.result), 'served', answer.text);
        await queued('queue', 0);
        await running('queue', 0);
      } finally {
        await legacy.close();
      }
    });
  }

  for (const upstream of ['resume', 'oldResume']) {
    it(`regression: an answered call (${upstream === 'resume' ? '2026-07-28' : '2025'} upstream) whose 2025 caller cancels it while it waits to take a slot again leaves at once; the next slot goes to the queue`, async () => {
      let answer: () => void = () => undefined;
      const answering = new Promise<void>((resolve) => (answer = resolve));
      let asked = 0;
      const caller = new McpClient({
        name: 'legacy-caller',
        version: '1.0.0',
        era: 'legacy',
        onElicit: async (): Promise<ElicitResult> => {
          asked++;
          await answering;
          return { action: 'accept', content: { answer: 'yes' } };
        },
      });
      const leaving = new AbortController();
      try {
        await caller.connect(new StreamableHttpClientTransport(served.url));
        const call = caller.callTool(`${upstream}__ask`, { question: 'leaving soon' }, { signal: leaving.signal }).catch(() => undefined);
        await within(
          (async () => {
            while (asked < 1) await new Promise((resolve) => setTimeout(resolve, 20));
          })(),
          PROMPT_MS,
          'the question',
        );
        // The asking call gave its slot back: another call hangs in it.
        const hanging = await hang(upstream);
        answer();
        // The answered call waits to take a slot again.
        await queued(upstream, 1);
        leaving.abort();
        await call;
        // Before: it kept its place (and with a 2026-07-28 upstream its whole call) until a slot was free.
        await queued(upstream, 0, PROMPT_MS);
        const next = callTool(served.url, 4, `${upstream}__echo`, { text: 'served' });
        await queued(upstream, 1);
        await hanging.leave();
        const result = await within(next, PROMPT_MS, 'the call queued after the cancelled one');
        assert.equal(textOf(result.json.result), 'served', result.text);
        await queued(upstream, 0);
        await running(upstream, 0);
        assert.equal(asked, 1);
      } finally {
        await caller.close();
      }
    });
  }
});
