/**
 * Fuzzing a real `mcp-core serve --stdio --demo` process with hostile messages: each gets the
 * answer the spec calls for (one response with its id, -32600 for an invalid envelope, nothing
 * for a notification; each message of a batch so, once an initialize opened a session of
 * 2025-03-26), never -32603, and a known-good request sent right after each is still
 * answered. The process stays up throughout and logs no internal error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MODERN_META } from '../helpers/http.ts';
import { CLI } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';
import { message } from './support/arbitraries.ts';
import { BATCH_VERSION, MAX_BATCH_MESSAGES } from '../../src/protocol/batches.ts';
import { expectationOf, problemWith, type Expectation } from './support/oracle.ts';
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
    /** The revision of the session the fuzzed initializes opened: a batch is served in one of 2025-03-26. */
    let sessionVersion: string | undefined;
    await fc.assert(
      fc.asyncProperty(message, async ({ text }) => {
        const value: unknown = JSON.parse(text);
        const batch = sessionVersion === BATCH_VERSION && Array.isArray(value) && value.length > 0 && value.length <= MAX_BATCH_MESSAGES;
        // A batch's messages are each answered as if alone (a batch inside it is not a message).
        const expected = (batch ? (value as unknown[]) : [value]).map((one): Expectation => (batch && Array.isArray(one) ? { answer: 'invalid', id: undefined } : expectationOf(one)));
        const pending = expected.filter((expectation) => expectation.answer !== 'none');
        const initializes = batch ? undefined : (value as { method?: unknown; id?: unknown });
        const sentinel = sentinelId(n++);
        peer.write(`${text}\n`);
        peer.send({ jsonrpc: '2.0', id: sentinel, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' }, _meta: MODERN_META } });
        let sentinelAnswered = false;
        while (pending.length > 0 || !sentinelAnswered) {
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
          const at = pending.findIndex((expectation) => expectation.id === reply.id);
          assert.notEqual(at, -1, `an answer no message called for: ${JSON.stringify(reply).slice(0, 300)} to ${text.slice(0, 300)}`);
          const [expectation] = pending.splice(at, 1);
          assert.equal(problemWith(reply, expectation.id), undefined, `${JSON.stringify(reply).slice(0, 300)} to ${text.slice(0, 300)}`);
          if (expectation.answer === 'invalid') assert.equal(reply.error?.code, -32600, `${JSON.stringify(reply).slice(0, 300)} to ${text.slice(0, 300)}`);
          if (initializes?.method === 'initialize' && typeof reply.result?.protocolVersion === 'string') sessionVersion = reply.result.protocolVersion;
        }
      }),
      fuzzParameters('stdio process', 1000),
    );
  });
});
