/**
 * What per-tool rate limits keep in a long-running `mcp-core serve`: a count per caller and
 * tool for the window, and nothing more. Tool names a client makes up share one count, and a
 * count does not hold the request that started it (measured on the server's heap after a full
 * collection, through the inspector).
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { configFile } from '../helpers/auth-requests.ts';
import { HeapProbe, serveWithHeap, stopWithHeap } from '../helpers/heap.ts';
import { inTurn, MODERN_META, postOver } from '../helpers/http.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

/** 101 callers, each its API key. */
const KEYS = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`caller${i}`, { key: `caller-${i}-key-0123456789` }]));

function callOver(agent: Agent, url: string, id: number, name: string, args: Record<string, unknown>, key?: string) {
  const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: MODERN_META } };
  const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': name };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  return postOver(agent, url, body, headers);
}

describe('mcp-core serve: what per-tool rate limits keep', () => {
  let served: Served;
  let heap: HeapProbe;
  before(async () => {
    // Request logging puts each request in an AsyncLocalStorage, which is what a timer started
    // while serving it kept alive.
    const config = configFile({
      auth: { mode: 'apiKey', apiKeys: KEYS },
      rateLimits: { perTool: { limit: 1_000_000, windowSeconds: 600 } },
      logging: { level: 'info', format: 'json' },
    });
    ({ served, heap } = await serveWithHeap(['--config', config, '--http', '127.0.0.1:0']));
  });
  after(() => stopWithHeap(served, heap));

  it('regression: calls of 3,000 made-up tool names of 2 KiB share one count, and the heap does not keep them for the window', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const madeUp = (i: number) => `no_such_tool_${i}_${'x'.repeat(2048)}`;
    const callMadeUp = (i: number) =>
      callOver(agent, served.url, i, madeUp(i), {}, KEYS.caller0!.key).then((answer) => {
        assert.equal(answer.status, 200);
        assert.equal(answer.json.error.code, -32602);
      });
    // Warm-up: compiled code, caches.
    await inTurn(500, callMadeUp);
    const before = await heap.usedAfterGc();
    await inTurn(3000, (i) => callMadeUp(1000 + i));
    const grown = (await heap.usedAfterGc()) - before;
    // Before: each name was a count of its own for 600 s, with its timer, holding its request
    // (35 MB for these calls; 7.7 MB once timers no longer held requests). Since: 200 KB.
    assert.ok(grown < 2 * 1024 * 1024, `the heap grew by ${grown} bytes over 3,000 made-up tool names`);
    agent.destroy();
  });

  it('regression: the count of each of 100 callers does not hold the 256 KiB call that started it', async () => {
    const text = 'y'.repeat(256 * 1024);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const callEcho = (i: number) =>
      callOver(agent, served.url, i, 'echo', { text }, KEYS[`caller${i}`]!.key).then((answer) => {
        assert.equal(answer.status, 200);
        assert.equal(answer.json.result.content[0].text.length, text.length);
      });
    await callEcho(100);
    const before = await heap.usedAfterGc();
    await inTurn(100, callEcho);
    const grown = (await heap.usedAfterGc()) - before;
    // Before: each count's timer kept its call's request and answer (27 MB). Since: a count, a
    // key and a timer per caller (160 KB).
    assert.ok(grown < 4 * 1024 * 1024, `the heap grew by ${grown} bytes over 100 callers' first calls`);
    agent.destroy();
  });
});

describe('mcp-core serve: made-up tool names under a per-tool rate limit', () => {
  let served: Served;
  before(async () => {
    served = await startServe(['--config', configFile({ rateLimits: { perTool: { limit: 3, windowSeconds: 60 } } }), '--http', '127.0.0.1:0']);
  });
  after(() => stopServe(served));

  it('count together per caller: the fourth made-up name is refused with 429, a real tool is not', async () => {
    const agent = new Agent({ keepAlive: true });
    for (let i = 0; i < 3; i++) assert.equal((await callOver(agent, served.url, i, `made_up_${i}`, {})).json.error.code, -32602);
    const refused = await callOver(agent, served.url, 3, 'made_up_3', {});
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error.data.reason, 'rate_limited');
    assert.equal((await callOver(agent, served.url, 4, 'echo', { text: 'hi' })).json.result.content[0].text, 'hi');
    agent.destroy();
  });
});
