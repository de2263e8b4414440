/**
 * Hostile WebSocket frames against a real `mcp-core serve --demo` process with WebSocket on:
 * batches of frames sent at once (fuzzed JSON-RPC messages, binary frames, text that is not
 * JSON, now and then one over the size limit), each batch followed by a good request. Every
 * answer is a well-formed JSON-RPC message and never -32603; the good request is answered
 * unless a frame was over the limit, which closes that connection with 1009 and nothing else.
 * The process stays up and logs no internal error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startServe, type Served } from '../helpers/served.ts';
import { MODERN_META, openRaw } from '../helpers/ws.ts';
import { excerpt, message, shownAs } from './support/arbitraries.ts';
import { problemWith } from './support/oracle.ts';
import { fuzzParameters } from './support/runs.ts';

const LIMIT = 256 * 1024;

type Frame = { kind: 'json'; text: string } | { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array } | { kind: 'huge' };

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 6, arbitrary: message.map(({ text }): Frame => shownAs({ kind: 'json', text }, () => `{ kind: 'json', text: ${JSON.stringify(excerpt(text))} }`)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((text): Frame => ({ kind: 'text', text })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): Frame => ({ kind: 'binary', bytes })) },
  { weight: 1, arbitrary: fc.constant<Frame>({ kind: 'huge' }) },
);

describe('fuzz: WebSocket frames against a serve process', () => {
  let served: Served;
  before(async () => {
    served = await startServe(['--http', '127.0.0.1:0'], { MCP__WEBSOCKET__ENABLED: 'true', MCP__WEBSOCKET__MAXMESSAGEBYTES: String(LIMIT) });
  });
  after(async () => {
    assert.equal(served.process.exitCode, null, 'the server is still running');
    const health = await fetch(served.url.replace('/mcp', '/healthz'));
    assert.equal(health.status, 200);
    served.process.kill('SIGTERM');
    assert.equal(await served.exited, 0);
    assert.equal(await Promise.race([served.stderrLine(/unexpected error/), Promise.resolve(undefined)]), undefined);
  });

  it('answers every batch of frames, sent at once, with well-formed messages, and serves a good request after it', async () => {
    const url = served.url.replace(/^http/, 'ws');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 30 }), async (frames) => {
        const peer = await openRaw(url);
        const sentinel = `sentinel-${n++}`;
        for (const item of frames) {
          if (item.kind === 'binary') peer.socket.send(item.bytes, { binary: true });
          else if (item.kind === 'huge') peer.socket.send('x'.repeat(LIMIT + 1));
          else peer.socket.send(item.text);
        }
        peer.send({ jsonrpc: '2.0', id: sentinel, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' }, _meta: MODERN_META } });
        const oversized = frames.some((item) => item.kind === 'huge' || (item.kind !== 'binary' && Buffer.byteLength(item.text) > LIMIT));
        const closed = peer.closed.then(({ code }) => ({ closed: code }));
        for (;;) {
          const reply = await Promise.race([peer.next().then((value) => ({ value })), closed]);
          if ('closed' in reply) {
            assert.ok(oversized, `closed with ${reply.closed} without a frame over the limit`);
            assert.equal(reply.closed, 1009);
            return;
          }
          const value = reply.value;
          if (typeof value.method === 'string') {
            // A question of the server's own (legacy input): refuse it so the call can end.
            if (value.id !== undefined) peer.send({ jsonrpc: '2.0', id: value.id, error: { code: -32601, message: 'not in this test' } });
            continue;
          }
          assert.equal(problemWith(value, typeof value.id === 'string' || typeof value.id === 'number' ? value.id : undefined), undefined, JSON.stringify(value).slice(0, 300));
          if (value.id === sentinel) {
            assert.equal(value.result?.content?.[0]?.text, 'ok');
            break;
          }
        }
        // The answer to the good request came first: a frame over the limit after it may still close the connection.
        peer.socket.terminate();
        await peer.closed;
      }),
      fuzzParameters('WebSocket frames', 200),
    );
  });
});
