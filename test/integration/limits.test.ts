/**
 * Rate limits and backpressure on `mcp-core serve`, over HTTP and stdio: 429 with Retry-After
 * under a burst (per client at the edge, per tool in the pipeline), 503 with Retry-After when
 * every slot and the queue are taken, the queue bounded, and the server's heap the same after
 * thousands of refused calls as before them (measured after a full collection).
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { call, configFile, modern, text } from '../helpers/auth-requests.ts';
import { HeapProbe, serveWithHeap, stopWithHeap } from '../helpers/heap.ts';
import { MODERN_META, post, postOver } from '../helpers/http.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { CLI } from '../helpers/processes.ts';
import { metric, metricReaches } from '../helpers/prometheus.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';
import { RawStdio } from '../helpers/stdio.ts';

const KEYS = { alice: { key: 'alice-key-0123456789' }, bob: { key: 'bob-key-0123456789ab' }, carol: { key: 'carol-key-0123456789' } };

describe('mcp-core serve: rate limits', () => {
  let served: Served;
  before(async () => {
    const config = configFile({
      auth: { mode: 'apiKey', apiKeys: KEYS },
      rateLimits: { perClient: { limit: 20, windowSeconds: 60 }, tools: { echo: { limit: 3, windowSeconds: 60 } } },
      metrics: { enabled: true },
    });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
  });
  after(() => stopServe(served));

  it('refuses the calls of a tool past its limit with 429, Retry-After and the delay, per caller', async () => {
    for (let i = 0; i < 3; i++) assert.equal(text(await call(served.url, KEYS.alice.key, 'echo', { text: 'hi' }, i)), 'hi');
    const refused = await call(served.url, KEYS.alice.key, 'echo', { text: 'hi' }, 4);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(refused.json.id, 4);
    assert.equal(refused.json.error.code, -32000);
    assert.equal(refused.json.error.data.reason, 'rate_limited');
    assert.ok(refused.json.error.data.retryAfterMs > 0 && refused.json.error.data.retryAfterMs <= 60_000);
    // Another caller has a count of its own; another tool has no limit.
    assert.equal(text(await call(served.url, KEYS.bob.key, 'echo', { text: 'bob' })), 'bob');
    assert.equal(text(await call(served.url, KEYS.alice.key, 'add', { a: 1, b: 2 })), '3');
  });

  it('refuses a burst past the per-client limit at the edge: 429 with Retry-After, others unaffected', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => call(served.url, KEYS.carol.key, 'whoami', {}, i)));
    const ok = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    assert.equal(ok.length, 20);
    assert.equal(refused.length, 10);
    for (const answer of refused) {
      assert.ok(Number(answer.headers.get('retry-after')) >= 1);
      assert.equal(answer.json.error.data.reason, 'rate_limited');
    }
    assert.equal(text(await call(served.url, KEYS.bob.key, 'whoami')), 'bob');
    assert.equal(await metric(served.url, 'mcp_refusals_total', { reason: 'rate_limited' }), 11);
  });
});

describe('mcp-core serve: backpressure', () => {
  let served: Served;
  let heap: HeapProbe;
  before(async () => {
    // The queued calls stay queued for the whole test, however long a loaded machine makes it: at
    // the default queueTimeoutMs (30 s) they were refused midway, and two of the refused calls
    // took their places and waited 30 s more.
    const config = configFile({ limits: { concurrency: { maxCalls: 2, maxQueued: 2, queueTimeoutMs: 600_000 } }, metrics: { enabled: true } });
    ({ served, heap } = await serveWithHeap(['--config', config, '--http', '127.0.0.1:0']));
  });
  after(() => stopWithHeap(served, heap));

  it('runs two calls, queues two, refuses the next at once with 503 and Retry-After, and frees the queue when callers leave', async () => {
    const callers = Array.from({ length: 4 }, () => new AbortController());
    const held = callers.map((caller, i) =>
      fetch(served.url, {
        method: 'POST',
        signal: caller.signal,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'sleep' },
        body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 600_000 }, _meta: MODERN_META } }),
      }).catch(() => undefined),
    );
    await metricReaches(served.url, 'mcp_queue_depth', 2);
    assert.equal(await metric(served.url, 'mcp_calls_running'), 2);
    const refused = await call(served.url, undefined, 'echo', { text: 'one more' }, 9);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(refused.json.id, 9);
    assert.equal(refused.json.error.data.reason, 'overloaded');
    // Methods that run no handler are not held up.
    assert.equal((await fetch(new URL('/healthz', served.url))).status, 200);

    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const echo = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, _meta: MODERN_META } };
    const echoHeaders = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
    const refuseMany = async (calls: number) => {
      let count = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (count < calls) {
            count++;
            assert.equal((await postOver(agent, served.url, echo, echoHeaders)).status, 503);
          }
        }),
      );
    };
    // The first thousands of requests warm the process up (compiled code, caches): about 1 MiB.
    await refuseMany(2000);
    const before = await heap.usedAfterGc();
    await refuseMany(6000);
    const grown = (await heap.usedAfterGc()) - before;
    // Measured: within 100 KiB either way. A leak of 50 bytes per refused call would show.
    assert.ok(grown < 300 * 1024, `the heap grew by ${grown} bytes over 6000 refused calls`);
    assert.equal(await metric(served.url, 'mcp_refusals_total', { reason: 'overloaded' }), 8001);

    agent.destroy();
    for (const caller of callers) caller.abort();
    await Promise.all(held);
    await metricReaches(served.url, 'mcp_queue_depth', 0);
    await metricReaches(served.url, 'mcp_calls_running', 0);
    assert.equal(text(await call(served.url, undefined, 'echo', { text: 'served again' })), 'served again');
  });
});

describe('mcp-core serve --stdio: rate limits and backpressure', () => {
  let peer: RawStdio;
  before(() => {
    const config = configFile({ rateLimits: { tools: { echo: { limit: 1, windowSeconds: 60 } } }, limits: { concurrency: { maxCalls: 1 } } });
    peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo', '--config', config]);
  });
  after(() => peer.close());

  it('answers with a JSON-RPC error carrying the reason and the delay', async () => {
    const echo = (id: number) => peer.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' }, _meta: MODERN_META } });
    echo(1);
    assert.equal((await peer.next(15_000)).result.content[0].text, 'hi');
    echo(2);
    const limited = await peer.next(15_000);
    assert.equal(limited.id, 2);
    assert.equal(limited.error.code, -32000);
    assert.match(limited.error.message, /^Too Many Requests/);
    assert.equal(limited.error.data.reason, 'rate_limited');
    assert.ok(limited.error.data.retryAfterMs > 0);

    peer.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 600_000 }, _meta: MODERN_META } });
    peer.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 1 }, _meta: MODERN_META } });
    const overloaded = await peer.next(15_000);
    assert.equal(overloaded.id, 4);
    assert.match(overloaded.error.message, /^Service Unavailable/);
    assert.deepEqual(overloaded.error.data, { reason: 'overloaded', retryAfterMs: 1000 });
    peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3 } });
  });
});

describe('mcp-core serve: limits.json (the shape of params)', () => {
  const config = () => configFile({ limits: { json: { maxDepth: 8, maxStringLength: 1000 } } });
  /**
   * A tools/call of echo whose arguments nest `levels` arrays below them (params is level 1,
   * arguments level 2), as text: JSON.stringify would overflow the stack on the deep ones.
   */
  const deepCall = (id: number, levels: number) =>
    `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","_meta":${JSON.stringify(MODERN_META)},"arguments":{"v":${'['.repeat(levels)}${']'.repeat(levels)}}}}`;

  let served: Served;
  before(async () => {
    served = await startServe(['--config', config(), '--http', '127.0.0.1:0']);
  });
  after(() => stopServe(served));

  it('refuses params nested too deep or with too long a string: 400, -32602, before the handler', async () => {
    assert.equal(text(await call(served.url, undefined, 'echo', { text: 'x'.repeat(1000) })), 'x'.repeat(1000));
    const long = await call(served.url, undefined, 'echo', { text: 'x'.repeat(1001) }, 7);
    assert.equal(long.status, 400);
    assert.deepEqual(long.json, { jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'Invalid params: a string or key longer than 1000 characters', data: { reason: 'json_limit' } } });
    // 100,000 levels fit in the body limit; the walk that measures them does not overflow.
    for (const levels of [7, 100_000]) {
      const refused = await post(served.url, deepCall(1, levels), { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
      assert.equal(refused.status, 400, `${levels} levels`);
      assert.equal(refused.json.error.message, 'Invalid params: nested deeper than 8 levels');
    }
    // Every method, not only tools/call.
    const listed = await modern(served.url, undefined, 'tools/list', { cursor: 'c'.repeat(2000) });
    assert.equal(listed.json.error.code, -32602);
    assert.equal(text(await call(served.url, undefined, 'echo', { text: 'still serving' })), 'still serving');
  });

  it('refuses the same over stdio, as a JSON-RPC error', async () => {
    const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo', '--config', config()]);
    try {
      peer.write(`${deepCall(1, 50_000)}\n`);
      const refused = await peer.next(15_000);
      assert.equal(refused.id, 1);
      assert.deepEqual(refused.error, { code: -32602, message: 'Invalid params: nested deeper than 8 levels', data: { reason: 'json_limit' } });
      peer.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' }, _meta: MODERN_META } });
      assert.equal((await peer.next(15_000)).result.content[0].text, 'hi');
    } finally {
      peer.close();
    }
  });
});
