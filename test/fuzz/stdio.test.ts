/**
 * Fuzzing a real `mcp-core serve --stdio --demo` process with hostile messages: each gets the
 * answer the spec calls for (one response with its id, -32600 for an invalid envelope, nothing
 * for a notification), never -32603, and a known-good request sent right after each is still
 * answered. The process stays up throughout and logs no internal error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MODERN_META } from '../helpers/http.ts';
import { CLI } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';
import { message } from './support/arbitraries.ts';
import { expectationOf, problemWith } from './support/oracle.ts';
import { fuzzParameters } from './support/runs.ts';

/** Ids the fuzzer never makes: its strings have no U+0001. */
const sentinelId = (n: number) => `\u0001sentinel-${n}`;

describe('fuzz: stdio server process', () => {
  let peer: RawStdio;
  before(() => {
    peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo']);
  });
  after(async () => {
    assert.equal(peer.process.exitCode, null, 'the server is still running');
    assert.equal(await peer.close(), 0);
    assert.doesNotMatch(peer.stderr, /unexpected error/);
  });

  it('answers every message as the spec says, and still serves a good request after it', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(message, async ({ text }) => {
        const expected = expectationOf(JSON.parse(text));
        const sentinel = sentinelId(n++);
        peer.write(`${text}\n`);
        peer.send({ jsonrpc: '2.0', id: sentinel, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' }, _meta: MODERN_META } });
        let answered = expected.answer === 'none';
        let sentinelAnswered = false;
        while (!answered || !sentinelAnswered) {
          const reply = await peer.next(10_000);
          if (reply.method !== undefined) {
            // A request of the server's own (legacy input): refuse it so the call can end.
            if (reply.id !== undefined) peer.send({ jsonrpc: '2.0', id: reply.id, error: { code: -32601, message: 'not in this test' } });
            continue;
          }
          if (reply.id === sentinel) {
            assert.equal(reply.result?.content?.[0]?.text, 'ok', JSON.stringify(reply));
            sentinelAnswered = true;
            continue;
          }
          assert.equal(answered, false, `a second answer: ${JSON.stringify(reply).slice(0, 300)} to ${text.slice(0, 300)}`);
          if (expected.answer === 'result-or-error') {
            assert.equal(problemWith(reply, expected.id), undefined, `${JSON.stringify(reply).slice(0, 300)} to ${text.slice(0, 300)}`);
          } else if (expected.answer === 'invalid') {
            assert.equal(problemWith(reply, expected.id), undefined, JSON.stringify(reply).slice(0, 300));
            assert.equal(reply.error?.code, -32600, `${JSON.stringify(reply).slice(0, 300)} to ${text.slice(0, 300)}`);
          }
          answered = true;
        }
      }),
      fuzzParameters('stdio process', 1000),
    );
  });
});
