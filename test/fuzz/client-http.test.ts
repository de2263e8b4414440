/**
 * Fuzzing the HTTP client against a hostile server (test/fuzz/support/scripted-http.ts): the
 * real McpClient over StreamableHttpClientTransport, in both eras (modern stateless, and a
 * 2025-11-25 session), meets generated statuses, content types, headers, bodies and SSE
 * streams (see http-replies.ts and hostile-messages.ts) in its handshake, its calls and its
 * GET stream. Each case must settle, fail clearly, leave nothing escaped, let go of every
 * connection once closed, and work again once the server behaves (see client-case.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { call, era, Escapes, runCase, Tally } from './support/client-case.ts';
import { httpReply } from './support/http-replies.ts';
import { fuzzParameters } from './support/runs.ts';
import { ScriptedHttpServer, type HttpScript } from './support/scripted-http.ts';

/** The client's bound on one answer (a JSON body, an SSE event). */
const MAX_MESSAGE_BYTES = 64 * 1024;

const script: fc.Arbitrary<HttpScript> = fc.record({
  properHandshake: fc.boolean(),
  sessionId: fc.option(fc.constantFrom('s-1', 'session with spaces', 'ünïcode', 'x'.repeat(5000), '\t', ''), { nil: undefined, freq: 2 }),
  posts: fc.array(httpReply, { minLength: 1, maxLength: 4 }),
  gets: fc.array(httpReply, { maxLength: 2 }),
});

describe('fuzz: HTTP client against a hostile server', () => {
  let server: ScriptedHttpServer;
  const escapes = new Escapes();
  const tally = new Tally();
  before(async () => {
    server = await new ScriptedHttpServer().start();
    escapes.watch();
  });
  after(async () => {
    escapes.unwatch();
    tally.print('HTTP client');
    await server.close();
  });

  it('settles every call with a result or a clear error, lets go of every connection, and works once the server behaves', async () => {
    await fc.assert(
      fc.asyncProperty(era, call, script, async (eraOf, method, played) => {
        server.use(played);
        await runCase({
          era: eraOf,
          call: method,
          transport: () => new StreamableHttpClientTransport(server.url, { maxMessageBytes: MAX_MESSAGE_BYTES, listenWaitMs: 200, maxResumes: 1 }),
          behave: () => server.use(undefined),
          tally,
        });
        // Closed, the client holds no response of the server's open (a hung or endless one included).
        await server.allClosed();
        assert.equal(server.open.size, 0);
        escapes.assertNone();
      }),
      { ...fuzzParameters('HTTP client', 30, 0.1), endOnFailure: true },
    );
  });
});
