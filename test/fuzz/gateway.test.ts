/**
 * Fuzzing the gateway from both sides, with real processes over real pipes: `mcp-core serve
 * --stdio` with upstreams of its own, driven by a hostile caller (every method, both eras,
 * params of any shape) and, below it, by a hostile upstream whose answers fast-check scripts.
 *
 * Oracle: every request gets exactly one answer, a result of the spec's types for its method
 * (support/gateway-oracle.ts) or an error with a code the spec gives client input, never
 * -32603 but for an upstream's fault named as such; notifications the caller gets are of the
 * spec's types; a well-formed call made after each case succeeds; the gateway process stays
 * up and reports no unexpected error.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fixture, scratch } from '../helpers/gateway.ts';
import { MODERN_META } from '../helpers/http.ts';
import { ROOT } from '../helpers/processes.ts';
import type { RawStdio } from '../helpers/stdio.ts';
import { excerpt, toJsonText } from './support/arbitraries.ts';
import { answerProblem, notificationProblem } from './support/gateway-oracle.ts';
import { callerCase, inputResponses, type CallerCase } from './support/gateway-requests.ts';
import { exchange, startGateway, stopGateway, type Exchanged } from './support/gateway-world.ts';
import { fuzzParameters } from './support/runs.ts';
import { scriptedCase, upstreamErrors, writeScript } from './support/scripted-cases.ts';

/** The fixture's tools a case may not call: they hang, crash or wait as long as asked. */
const DENIED = ['hang', 'crash', 'slow', 'concurrency', 'chatty', 'forget_sessions'];
const UPSTREAMS = {
  modern: fixture([], { tools: { deny: DENIED }, timeoutMs: 10_000 }),
  legacy: fixture([], { era: 'legacy', tools: { deny: DENIED }, timeoutMs: 10_000 }),
};
const SETTINGS = { watch: false, inputTimeoutMs: 2_000 };
const SCRIPTED = join(ROOT, 'test/fixtures/scripted-upstream.ts');

/** A well-formed call through the gateway: `tools/call` of an upstream's echo, in either era. */
function sentinel(n: number, search: boolean, upstreams = ['modern', 'legacy']): Record<string, unknown> {
  const modern = n % 2 === 0;
  const target = `${upstreams[n % upstreams.length]}__echo`;
  const params = search ? { name: 'call_tool', arguments: { name: target, arguments: { text: 'ok' } } } : { name: target, arguments: { text: 'ok' } };
  return { jsonrpc: '2.0', id: `\u0001sentinel-${n}`, method: 'tools/call', params: modern ? { ...params, _meta: MODERN_META } : params };
}

/**
 * The refusal of a 2025 upstream's question over stdio while several of its calls could answer
 * it (nothing says whose it is: client/input-answers.ts), which the fixture's tool then fails
 * with: an upstream's own error, passed on as it is, naming the upstream.
 */
const refusedQuestion = (message: string) => /^Upstream "legacy" asked \S+ while several of the gateway's calls to it were in flight/.test(message);

/** Checks one exchange: the answer, the notifications, no stray answers, the sentinel's result. */
function judge(kase: { method: string; modern: boolean }, id: string, outcome: Exchanged, shown: string, upstreams?: (message: string) => boolean): void {
  if (outcome.answer !== undefined) {
    const problem = answerProblem(outcome.answer, id, kase.method, kase.modern, upstreams);
    assert.equal(problem, undefined, `${problem}\n  answer: ${JSON.stringify(outcome.answer).slice(0, 600)}\n  to: ${shown}`);
  } else assert.equal(kase.method, 'subscriptions/listen', `no answer to ${shown}`);
  for (const notification of outcome.notifications) {
    assert.equal(notificationProblem(notification), undefined, `notification ${JSON.stringify(notification).slice(0, 600)} after ${shown}`);
  }
  assert.deepEqual(outcome.strays, [], `answers to no request of this case, after ${shown}`);
  assert.equal(outcome.sentinel?.result?.content?.[0]?.text, 'ok', `the call after ${shown}: ${JSON.stringify(outcome.sentinel).slice(0, 600)}`);
}

/** The gateway's stderr from `from` on, checked for what only a gateway bug writes. */
function assertQuiet(peer: RawStdio, from: number, shown: string): void {
  const said = peer.stderr.slice(from);
  assert.doesNotMatch(said, /unexpected error|Internal error|uncaught/i, `after ${shown}:\n${said.slice(0, 2000)}`);
  assert.equal(peer.process.exitCode, null, `the gateway exited after ${shown}`);
}

describe('fuzz: the gateway against a hostile caller', () => {
  let plain: RawStdio;
  let search: RawStdio;
  before(async () => {
    [plain, search] = await Promise.all([
      startGateway({ mcpServers: UPSTREAMS, gateway: SETTINGS }, ['modern__echo', 'legacy__echo', 'modern__work']),
      startGateway({ mcpServers: UPSTREAMS, gateway: { ...SETTINGS, toolSearch: true } }, ['search_tools', 'call_tool']),
    ]);
  });
  after(async () => {
    for (const peer of [plain, search]) {
      assert.equal(peer.process.exitCode, null, 'the gateway is still running');
      assert.equal(await stopGateway(peer), 0);
    }
  });

  it('answers every request of every method as the spec says, and still serves a good call after it', async () => {
    let n = 0;
    const followUp = fc.record({ method: fc.constantFrom('tasks/get', 'tasks/update', 'tasks/cancel'), inputResponses, extra: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(callerCase, fc.boolean(), followUp, async (kase, inSearch, next) => {
        const peer = inSearch ? search : plain;
        const from = peer.stderr.length;
        const id = `case-${n}`;
        const text = inSearch ? kase.searchText(id) : kase.text(id);
        const outcome = await exchange(peer, text, id, sentinel(n++, inSearch));
        judge(kase, id, outcome, `${inSearch ? '(tool search) ' : ''}${text.slice(0, 600)}`, refusedQuestion);
        // A task handle or a round asking for input: the caller goes on with it, in any way.
        const follow = followUpOf(kase, outcome.answer?.result, next);
        if (follow !== undefined) {
          const nextId = `case-${n}-next`;
          const text = toJsonText({ jsonrpc: '2.0', id: nextId, ...follow });
          const second = await exchange(peer, text, nextId, sentinel(n++, inSearch));
          judge({ method: follow.method, modern: true }, nextId, second, text.slice(0, 600));
        }
        assertQuiet(peer, from, text.slice(0, 600));
      }),
      fuzzParameters('gateway: hostile caller', 150),
    );
  });
});

/** The request that goes on with a task handle or an input round, if the answer was one. */
function followUpOf(kase: CallerCase, result: any, next: { method: string; inputResponses: unknown; extra: boolean }): { method: string; params: Record<string, unknown> } | undefined {
  if (result?.resultType === 'task' && typeof result.taskId === 'string') {
    const params: Record<string, unknown> = { taskId: result.taskId, _meta: kase.meta };
    if (next.method === 'tasks/update' || next.extra) params.inputResponses = next.inputResponses;
    return { method: next.method, params };
  }
  if (result?.resultType === 'input_required') {
    return { method: kase.method, params: { ...kase.params, _meta: kase.meta, inputResponses: next.inputResponses, requestState: next.extra ? result.requestState : 'stale' } };
  }
  return undefined;
}

describe('fuzz: the gateway against a hostile upstream', () => {
  let peer: RawStdio;
  let scriptFile: string;
  before(async () => {
    scriptFile = join(await scratch(), 'script.json');
    const scripted = (era: string) => ({ command: process.execPath, args: [SCRIPTED, '--era', era, '--script', scriptFile], era, timeoutMs: 2_000, breaker: { consecutiveFailures: 1_000 } });
    peer = await startGateway({ mcpServers: { good: fixture(), sl: scripted('legacy'), sm: scripted('modern') }, gateway: SETTINGS }, ['good__echo', 'sl__t', 'sm__t']);
    // The 2025 session asks for every log message, as a 2026-07-28 call does in its _meta.
    peer.send({ jsonrpc: '2.0', id: 'level', method: 'logging/setLevel', params: { level: 'debug' } });
    assert.equal((await peer.next()).id, 'level');
  });
  after(async () => {
    assert.equal(peer.process.exitCode, null, 'the gateway is still running');
    assert.equal(await stopGateway(peer), 0);
  });

  it('answers its caller with a result of the spec\'s types or an error naming the upstream, and serves the healthy upstream throughout', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(scriptedCase, async ({ upstream, modern, list, script, request }) => {
        const from = peer.stderr.length;
        await writeScript(scriptFile, { case: n, ...script });
        const { method, params } = request;
        const shown = `${method} ${JSON.stringify(params)} to ${upstream} scripted ${excerpt(JSON.stringify(script))}`;
        const named = (message: string) => message.includes(`"${upstream}"`) || upstreamErrors(script).has(message);
        const id = `case-${n}`;
        const outcome = await exchange(peer, JSON.stringify({ jsonrpc: '2.0', id, method, params }), id, sentinel(n++, false, ['good']));
        judge({ method, modern: params._meta?.['io.modelcontextprotocol/protocolVersion'] !== undefined }, id, outcome, shown, named);
        // The lists the caller sees, whatever the upstream listed meanwhile.
        const listId = `case-${n}-list`;
        const listed = await exchange(peer, JSON.stringify({ jsonrpc: '2.0', id: listId, method: list, params: modern ? { _meta: MODERN_META } : {} }), listId, sentinel(n++, false, ['good']));
        judge({ method: list, modern }, listId, listed, `${list} after ${shown}`);
        assertQuiet(peer, from, shown);
      }),
      fuzzParameters('gateway: hostile upstream', 40),
    );
  });
});
