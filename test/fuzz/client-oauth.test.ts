/**
 * Fuzzing the OAuth client against a hostile MCP server and a hostile authorization server
 * (test/fuzz/support/scripted-oauth.ts): the real McpClient over StreamableHttpClientTransport
 * with an OAuthClientAuth (client credentials with a client pre-registered at `$BASE`, or a
 * user's sign-in with dynamic registration) meets generated challenges, metadata, registration
 * and token answers, redirects back from the authorization endpoint, statuses, and bodies that
 * are huge, endless, cut or slow (support/oauth-answers.ts). Each case must settle with a result
 * or a clear error, leave nothing escaped, send nothing where it must not (see the server), put
 * no token or secret in any error, cut every body at the client's bound, let go of every
 * connection, and, the same OAuthClientAuth given a new connection once the servers behave,
 * call the server.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_ANSWER_BYTES } from '../../src/client/auth/json-answer.ts';
import { OAuthClientAuth } from '../../src/client/auth/oauth-client-auth.ts';
import { McpClient, type ClientOptions, type Era } from '../../src/client/client.ts';
import { McpLocalError } from '../../src/protocol/local-errors.ts';
import { McpError } from '../../src/protocol/wire-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { bounded, call, era, Escapes, REQUEST_TIMEOUT_MS, Tally, type Call } from './support/client-case.ts';
import { oauthScript, type OAuthScript } from './support/oauth-answers.ts';
import { fuzzParameters } from './support/runs.ts';
import { CLIENT_SECRET, ScriptedOAuthServer } from './support/scripted-oauth.ts';

/** The client's timeout of one request to the authorization side, in the cases. */
const AUTH_TIMEOUT_MS = 500;
/**
 * What one endless body may have had written before the client let go: the client's bound,
 * and the socket buffers of both ends on loopback. Without the bound it would be written for
 * the whole AUTH_TIMEOUT_MS, hundreds of megabytes on loopback.
 */
const MAX_WRITTEN_BYTES = MAX_ANSWER_BYTES + 15 * 1024 * 1024;

/** The client's timeouts: short against the hostile servers, far past any wait once they behave. */
function clientOptions(eraOf: Era | 'auto', timeoutMs = REQUEST_TIMEOUT_MS): ClientOptions {
  return { name: 'fuzz', version: '1.0.0', era: eraOf, requestTimeoutMs: timeoutMs, probeTimeoutMs: timeoutMs, maxListPages: 4 };
}

/** A rejection must be a clear error that gives away no token or secret. */
function checkError(error: unknown, step: string, secrets: Set<string>): void {
  assert.ok(error instanceof McpError || error instanceof McpLocalError, `${step} failed with ${(error as Error)?.stack ?? String(error)}`);
  assert.ok(error.message.length > 0, `${step}: an error without a message`);
  assert.doesNotMatch(error.message, /\[object Object\]/, `${step}: ${error.message}`);
  const printed = `${error.message}\n${inspect(error, { depth: 10 })}`;
  for (const secret of secrets) assert.ok(!printed.includes(secret), `${step}: the error gives away a token or secret: ${printed.slice(0, 2000)}`);
}

async function step<T>(promise: Promise<T>, name: string, secrets: Set<string>, tally: Tally): Promise<{ value?: T; error?: unknown }> {
  let outcome: { value?: T; error?: unknown };
  try {
    outcome = { value: await bounded(promise, name) };
  } catch (error) {
    if ((error as Error)?.message?.endsWith('did not settle within 30000 ms')) throw error;
    checkError(error, name, secrets);
    outcome = { error };
  }
  tally.count(name, outcome);
  return outcome;
}

function make(client: McpClient, method: Call): Promise<unknown> {
  switch (method) {
    case 'tools/call':
      return client.callTool('t', { a: 1 });
    case 'tools/list':
      return client.listTools();
    case 'resources/list':
      return client.listResources();
    case 'resources/read':
      return client.readResource('x://y');
    case 'prompts/get':
      return client.getPrompt('p', {});
    case 'ping':
      return client.ping();
  }
}

async function runCase(server: ScriptedOAuthServer, eraOf: Era | 'auto', method: Call, script: OAuthScript, tally: Tally): Promise<void> {
  const auth = new OAuthClientAuth({
    grant: script.grant === 'client_credentials' ? { type: 'client_credentials' } : { type: 'authorization_code', authorizer: server.browser },
    ...(script.grant === 'client_credentials' ? { client: { clientId: 'fuzz-client', clientSecret: CLIENT_SECRET, issuer: server.base } } : {}),
    timeoutMs: AUTH_TIMEOUT_MS,
    fetch: server.fetch,
  });
  const transport = () => new StreamableHttpClientTransport(server.mcpUrl, { auth, listenWaitMs: 200, maxResumes: 1 });
  const { secrets } = server;
  const hostile = new McpClient(clientOptions(eraOf));
  try {
    const connected = await step(hostile.connect(transport()), 'connect', secrets, tally);
    if (connected.error === undefined) {
      // Two calls at once: their challenges share one authorization.
      await Promise.all([step(make(hostile, method), method, secrets, tally), step(hostile.callTool('second'), 'second call', secrets, tally)]);
      await step(hostile.callTool('third'), 'third call', secrets, tally);
    }
  } finally {
    await step(hostile.close(), 'close', secrets, tally);
  }
  // What the calls left running on the authorization side (they gave up waiting) ends too.
  await bounded(server.quiet(), 'the authorization under way');

  server.behave();
  const last = new McpClient(clientOptions(eraOf, 20_000));
  try {
    const connected = await step(last.connect(transport()), 'connect once the servers behave', secrets, tally);
    assert.equal(connected.error, undefined, `the servers behave, yet the client cannot connect: ${(connected.error as Error)?.stack}`);
    const called = await step(last.callTool('last'), 'call once the servers behave', secrets, tally);
    assert.equal(called.error, undefined, `the servers behave, yet the call failed: ${(called.error as Error)?.stack}`);
    assert.deepEqual((called.value as { content?: unknown }).content, [{ type: 'text', text: 'ok' }]);
  } finally {
    await step(last.close(), 'close', secrets, tally);
  }
  await bounded(server.quiet(), 'the authorization under way');
}

describe('fuzz: OAuth client against a hostile MCP server and authorization server', () => {
  const escapes = new Escapes();
  const tally = new Tally();
  let maxWritten = 0;
  /** Requests the authorization side got, by kind: how far the cases went. */
  const reached = new Map<string, number>();
  before(() => escapes.watch());
  after(() => {
    escapes.unwatch();
    tally.print('OAuth client');
    process.stdout.write(`# fuzz OAuth client requests: ${[...reached].sort(([a], [b]) => a.localeCompare(b)).map(([what, n]) => `${what}: ${n}`).join(', ')}\n`);
    process.stdout.write(`# fuzz OAuth client: the most bytes of one huge or endless body written before the client let go: ${maxWritten}\n`);
  });

  it('settles every call clearly, sends no credential where it must not, leaks none in errors, bounds every body, and works once the servers behave', async () => {
    await fc.assert(
      fc.asyncProperty(era, call, oauthScript, async (eraOf, method, script) => {
        const server = await new ScriptedOAuthServer(script).start();
        try {
          await runCase(server, eraOf, method, script, tally);
          for (const [what, count] of server.reached) reached.set(what, (reached.get(what) ?? 0) + count);
          assert.deepEqual(server.violations, []);
          assert.ok(server.maxBodyBytesWritten <= MAX_WRITTEN_BYTES, `${server.maxBodyBytesWritten} bytes of one body written before the client let go`);
          maxWritten = Math.max(maxWritten, server.maxBodyBytesWritten);
          // Closed, the client holds none of the servers' answers open (a hung or endless one included).
          await bounded(
            (async () => {
              while (server.open.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
            })(),
            'letting go of every answer',
          );
          escapes.assertNone();
        } finally {
          await server.close();
        }
      }),
      { ...fuzzParameters('OAuth client', 20, 0.1), endOnFailure: true },
    );
  });
});
