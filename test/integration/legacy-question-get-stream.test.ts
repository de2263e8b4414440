/**
 * Whether a legacy (2025-11-25) session's question over HTTP depends on the session's GET
 * stream: it does not. ctx.elicit (ctx.sample, ctx.listRoots alike) asks on the SSE stream of
 * the POST whose call asks (spec 2025-11-25, basic/transports: a request's messages SHOULD go
 * on its stream), so a client whose GET stream opens seconds later, or never, is asked at once,
 * and the GET stream never carries it. A server that asked on the GET stream would drop the
 * question, or hold it, while none is open. Real HTTP on 127.0.0.1 against
 * test/fixtures/elicit-server.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { GOOD } from '../fixtures/elicit-form.ts';
import { post, sseMessages } from '../helpers/http.ts';
import { ROOT, startHttpServer, type RunningServer } from '../helpers/processes.ts';

const FIXTURE = join(ROOT, 'test/fixtures/elicit-server.ts');
const VERSION = '2025-11-25';
/** Past the client's own wait for the GET stream (listenWaitMs, 2 s): a GET this late is "late". */
const LATE_MS = 3000;

describe('a legacy session\'s question over HTTP, and its GET stream', () => {
  let server: RunningServer;
  before(async () => {
    server = await startHttpServer(FIXTURE, ['--http']);
  });
  after(() => server.stop());

  it('comes at once on the stream of the call that asks, though the GET stream opens 3 s later, and never on the GET stream', { timeout: 60_000 }, async () => {
    const init = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: VERSION, capabilities: { elicitation: {} }, clientInfo: { name: 'late-get', version: '1' } } });
    const sessionId = init.headers.get('mcp-session-id')!;
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': VERSION };
    await post(server.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    const started = performance.now();
    const call = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'form', arguments: {} } }) });
    const events = sseMessages(call);
    // Bounded: a question that waited for a GET stream would never come here.
    const first = await Promise.race([events.next(), delay(LATE_MS / 2).then(() => ({ value: 'nothing yet' }))]);
    const question = first.value;
    assert.equal(question?.method, 'elicitation/create', `${JSON.stringify(question)} ${Math.round(performance.now() - started)} ms after the call`);
    await delay(LATE_MS);
    const closing = new AbortController();
    const get = await fetch(server.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': VERSION }, signal: closing.signal });
    assert.equal(get.status, 200);
    const onGet: unknown[] = [];
    const reading = (async () => {
      for await (const message of sseMessages(get)) onGet.push(message);
    })().catch(() => undefined);
    assert.equal((await post(server.url, { jsonrpc: '2.0', id: question.id, result: GOOD }, headers)).status, 202);
    const response = (await events.next()).value;
    assert.equal(response?.id, 2, JSON.stringify(response));
    assert.deepEqual(JSON.parse(response.result.content[0].text), GOOD);
    await events.return(undefined);
    closing.abort();
    await reading;
    assert.deepEqual(onGet, []);
  });

  it('reaches a client that never opens a GET stream (listen: false), and its answer the handler', { timeout: 60_000 }, async () => {
    const client = new McpClient({ name: 'no-get', version: '1.0.0', era: 'legacy', requestTimeoutMs: 30_000, onElicit: () => GOOD as never });
    await client.connect(new StreamableHttpClientTransport(server.url, { listen: false }));
    try {
      const result = await client.callTool('form', {});
      assert.deepEqual(JSON.parse((result.content[0] as { text: string }).text), GOOD);
    } finally {
      await client.close();
    }
  });
});
