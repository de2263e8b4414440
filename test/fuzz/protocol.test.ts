/**
 * Fuzzing the JSON-RPC envelope, message classification and the dispatcher in process (many
 * cases a second): every message gets what the spec says, nothing throws out of dispatch, and
 * no client input reaches `onError` (-32603 means the server failed, not the client).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeMessage } from '../../src/protocol/encode.ts';
import { classify, describeInvalid, malformedAnswer, MessageKind, salvageId, type JsonRpcRequest } from '../../src/protocol/jsonrpc.ts';
import { LegacySession } from '../../src/store/legacy-session.ts';
import { TestExchange } from '../helpers/exchange.ts';
import { message } from './support/arbitraries.ts';
import { answeredId, expectationOf, problemWith } from './support/oracle.ts';
import { fuzzParameters } from './support/runs.ts';
import { fuzzServer } from './support/server.ts';

describe('fuzz: JSON-RPC envelope', () => {
  it('classifies every message as the spec does, describes every invalid one, and reads an invalid answer to a request as a malformed answer of its id', () => {
    fc.assert(
      fc.property(message, ({ text }) => {
        const value: unknown = JSON.parse(text);
        const expected = expectationOf(value);
        const kind = classify(value);
        if (expected.answer === 'result-or-error') assert.equal(kind, MessageKind.Request);
        else if (expected.answer === 'invalid') {
          assert.equal(kind, MessageKind.Invalid);
          assert.equal(typeof describeInvalid(value), 'string');
          assert.equal(salvageId(value), expected.id);
          assert.equal(malformedAnswer(value)?.id, answeredId(value));
        } else assert.ok(kind === MessageKind.Notification || kind === MessageKind.Result || kind === MessageKind.Error);
      }),
      fuzzParameters('envelope classification', 2000),
    );
  });
});

describe('fuzz: dispatch', () => {
  it('answers every request with a valid result or a client error, in both eras, and never fails inside', async () => {
    const failures: string[] = [];
    const server = fuzzServer((error, { method }) => failures.push(`${method}: ${(error as Error)?.stack ?? String(error)}`));
    const requests = message.map(({ text }) => JSON.parse(text) as unknown).filter((value) => classify(value) === MessageKind.Request);
    await fc.assert(
      fc.asyncProperty(requests, fc.boolean(), async (value, legacy) => {
        const request = value as JsonRpcRequest;
        let session: LegacySession | undefined;
        if (legacy) {
          session = new LegacySession(undefined, '2025-11-25');
          session.initialized = request.method !== 'initialize';
          session.clientCapabilities = { elicitation: {} };
        }
        const exchange = new TestExchange({ session });
        const response = await server.dispatch(request, exchange);
        assert.ok(response !== undefined, 'an uncancelled request is answered');
        assert.equal(problemWith(response, request.id), undefined, JSON.stringify(response).slice(0, 500));
        assert.doesNotThrow(() => encodeMessage(response), 'the answer can be written');
        assert.deepEqual(failures, []);
        // Legacy calls that asked the client something are still waiting for no one: end them.
        session?.close();
      }),
      fuzzParameters('dispatch', 2000),
    );
  });
});
