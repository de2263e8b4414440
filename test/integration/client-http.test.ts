/**
 * The HTTP client against mcp-core's own server (createNodeHandler, in this process) behind a
 * real HTTP front that refuses, drops or cuts chosen requests: answers that are not MCP fail
 * at once, retries happen only where safe, a lost legacy session is renewed unseen, a broken
 * response stream is resumed with Last-Event-ID after the server's `retry` delay, and
 * progress restarts the timeout up to a total.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { McpClient, type ClientOptions } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { McpServer } from '../../src/server/server.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { startFaultyFront, type FaultyFront } from '../helpers/faulty-front.ts';

const NO_ARGS = { type: 'object', properties: {} } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const textOf = (result: { content: unknown }) => (result.content as Array<{ text: string }>)[0].text;
const FOREVER = 10 * 60_000;

function isLocal(code: string) {
  return (error: unknown) => error instanceof McpLocalError && error.code === code;
}

/** A server whose tools count how often they ran. */
function countingServer() {
  const runs = { add: 0 };
  const server = new McpServer({ name: 'counting', version: '1.0.0' });
  server.tool('add', { description: 'Adds one to a counter (not idempotent)', inputSchema: NO_ARGS }, () => String(++runs.add));
  server.tool('steps', { description: 'Reports `count` progress steps, `gapMs` apart', inputSchema: { type: 'object', properties: { count: { type: 'number' }, gapMs: { type: 'number' } }, required: ['count', 'gapMs'] } }, async ({ count, gapMs }, ctx) => {
    for (let step = 1; step <= count; step++) {
      ctx.progress(step, count);
      await sleep(gapMs);
    }
    return `done after ${count}`;
  });
  server.tool('long', { description: 'Reports progress (so that it answers on a stream), then returns `text` `times` times (a hundred thousand by default)', inputSchema: { type: 'object', properties: { text: { type: 'string' }, times: { type: 'integer', minimum: 1 } }, required: ['text'] } }, ({ text, times = 100_000 }, ctx) => {
    ctx.progress(1, 1);
    return text.repeat(times);
  });
  server.tool('hang_up', { description: 'Lets go of its stream, then answers (SEP-1699)', inputSchema: NO_ARGS }, async (_args, ctx) => {
    ctx.closeStream();
    await sleep(50);
    return 'answered after the stream closed';
  });
  return { server, runs };
}

describe('HTTP client: answers that are not MCP', () => {
  let page: Server;
  let url: string;
  let body: { type: string; text: string };
  before(async () => {
    page = createServer((_req, res) => res.writeHead(200, { 'content-type': body.type }).end(body.text));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/mcp`;
  });
  after(() => new Promise<void>((resolve) => page.close(() => resolve())));

  for (const [what, type, text] of [
    ['an HTML page', 'text/html; charset=utf-8', '<!doctype html><title>Welcome</title>'],
    ['{"status":"ok"}', 'application/json', '{"status":"ok"}'],
  ]) {
    it(`regression: a 200 answer of ${what} fails connect() at once, naming the content type`, async () => {
      body = { type, text };
      const client = new McpClient({ name: 'answers', version: '1.0.0', probeTimeoutMs: FOREVER, requestTimeoutMs: FOREVER });
      await assert.rejects(client.connect(new StreamableHttpClientTransport(url)), (error: Error) => {
        assert.ok(isLocal(LocalErrorCode.ProtocolViolation)(error));
        assert.ok(error.message.includes(`got ${type} (HTTP 200)`), error.message);
        return true;
      });
    });
  }
});

describe('HTTP client against mcp-core behind a faulty front', () => {
  let runs: { add: number };
  let listener: HttpListener;
  let front: FaultyFront;
  const clients: McpClient[] = [];

  before(async () => {
    const counting = countingServer();
    runs = counting.runs;
    listener = await serveHttp(counting.server, { retryIntervalMs: 1500 });
  });
  beforeEach(async () => {
    await front?.close();
    front = await startFaultyFront(listener.url);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await front.close();
    await listener.close();
  });

  async function connect(options: Partial<ClientOptions> = {}, url = front.url): Promise<{ client: McpClient; transport: StreamableHttpClientTransport }> {
    const client = new McpClient({ name: 'faults', version: '1.0.0', ...options });
    const transport = new StreamableHttpClientTransport(url);
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  /** Faults for the first `count` POSTs of `rpcMethod`; the rest pass. */
  function faultFirst(rpcMethod: string, count: number, kind: 'refuse' | 'drop'): void {
    let seen = 0;
    front.decide = (request) => (request.rpcMethod === rpcMethod && seen++ < count ? { kind } : { kind: 'pass' });
  }

  it('a call refused with 503 (never served) is retried even when not idempotent, and runs once', async () => {
    const { client } = await connect({ retry: { retries: 3, minDelayMs: 1 } });
    const before = runs.add;
    faultFirst('tools/call', 2, 'refuse');
    await client.callTool('add');
    assert.equal(runs.add, before + 1);
    assert.equal(front.seen.filter((request) => request.rpcMethod === 'tools/call').length, 3);
  });

  it('without a retry policy, a 503 fails at once with MCP_ERR_OVERLOADED', async () => {
    const { client } = await connect();
    faultFirst('tools/call', 1, 'refuse');
    await assert.rejects(client.callTool('add'), isLocal(LocalErrorCode.Overloaded));
  });

  it('a call whose connection dropped after it reached the server is not retried unless idempotent', async () => {
    const { client } = await connect({ retry: { retries: 3, minDelayMs: 1 } });
    const before = runs.add;
    faultFirst('tools/call', 1, 'drop');
    await assert.rejects(client.callTool('add'), isLocal(LocalErrorCode.ConnectionClosed));
    assert.equal(runs.add, before + 1, 'served once, and not sent again');

    faultFirst('tools/call', 1, 'drop');
    await client.callTool('add', {}, { idempotent: true });
    assert.equal(runs.add, before + 3, 'the caller said it is safe: sent again');
  });

  it('list requests are safe: retried after a dropped connection', async () => {
    const { client } = await connect({ retry: { retries: 2, minDelayMs: 1 } });
    faultFirst('tools/list', 1, 'drop');
    assert.deepEqual((await client.listTools()).map((tool) => tool.name), ['add', 'steps', 'long', 'hang_up']);
    faultFirst('tools/list', 1, 'drop');
    await assert.rejects(client.listTools({ retry: false }), isLocal(LocalErrorCode.ConnectionClosed));
  });

  it('an unreachable server fails with MCP_ERR_UNREACHABLE after the retries', async () => {
    const { client } = await connect({ retry: { retries: 2, minDelayMs: 1 } });
    await front.close();
    // The client hears of its kept-alive connection's close first. (A call written on it before
    // then, moments after its last answer, fails as possibly served: see http-client-reset.)
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(client.callTool('add'), (error: Error) => isLocal(LocalErrorCode.Unreachable)(error) && /Could not reach/.test(error.message));
  });

  it('a lost legacy session is renewed unseen: one initialize for all the calls that found it gone', async () => {
    const { client, transport } = await connect({ era: 'legacy' });
    const first = transport.sessionId!;
    const deleted = await fetch(listener.url, { method: 'DELETE', headers: { 'mcp-session-id': first } });
    assert.equal(deleted.status, 200);
    const results = await Promise.all([1, 2, 3].map(() => client.callTool('steps', { count: 1, gapMs: 0 })));
    for (const result of results) assert.equal(textOf(result), 'done after 1');
    assert.notEqual(transport.sessionId, first);
    assert.equal(front.seen.filter((request) => request.rpcMethod === 'initialize').length, 2);
  });

  /** Whether `session`'s GET stream was opened. */
  function listensOn(session: string | undefined): boolean {
    return front.seen.some((request) => request.method === 'GET' && request.headers['mcp-session-id'] === session && request.answer?.status === 200);
  }

  /** Waits for `session`'s GET stream to open (by then its notifications/initialized was answered). */
  async function listening(session: string): Promise<void> {
    for (let waited = 0; !listensOn(session) && waited < 10_000; waited += 20) await sleep(20);
    assert.ok(listensOn(session));
  }

  it('regression: a legacy session lost while no request runs is renewed when its GET stream is refused 404, and the new session listens (the client stayed deaf to the server until its next request)', async () => {
    const { client, transport } = await connect({ era: 'legacy' });
    const first = transport.sessionId!;
    const initializes = () => front.seen.filter((request) => request.rpcMethod === 'initialize').length;
    await listening(first);
    await fetch(listener.url, { method: 'DELETE', headers: { 'mcp-session-id': first } });
    // The server ends the session's GET stream; the client asks again after the stream's retry (1.5 s) and is refused 404.
    for (let waited = 0; !(transport.sessionId !== undefined && transport.sessionId !== first && listensOn(transport.sessionId)) && waited < 10_000; waited += 20) await sleep(20);
    assert.notEqual(transport.sessionId, first, 'a new session, without any request');
    assert.ok(listensOn(transport.sessionId), 'the new session has its GET stream');
    assert.ok(front.seen.some((request) => request.method === 'GET' && request.headers['mcp-session-id'] === first && request.answer?.status === 404));
    assert.equal(initializes(), 2);
    assert.equal(textOf(await client.callTool('steps', { count: 1, gapMs: 0 })), 'done after 1');
    assert.equal(initializes(), 2, 'the call found the session renewed');
  });

  it('regression: a server that answers every GET 404 has its session kept, not renewed without end', async () => {
    front.decide = (request) => (request.method === 'GET' ? { kind: 'refuse', status: 404 } : { kind: 'pass' });
    const { client, transport } = await connect({ era: 'legacy' });
    const first = transport.sessionId!;
    const initializes = () => front.seen.filter((request) => request.rpcMethod === 'initialize').length;
    for (let waited = 0; !front.seen.some((request) => request.method === 'GET') && waited < 10_000; waited += 20) await sleep(20);
    // A renewal would follow the GET at once; each new session's GET was refused too (a new initialize every few ms).
    await sleep(500);
    assert.equal(initializes(), 1);
    assert.equal(transport.sessionId, first);
    assert.equal(textOf(await client.callTool('steps', { count: 1, gapMs: 0 })), 'done after 1');
  });

  it('with reinitialize: false, a session lost while no request runs is found by the next request, as before', async () => {
    const { client, transport } = await connect({ era: 'legacy', reinitialize: false, requestTimeoutMs: FOREVER });
    const first = transport.sessionId!;
    await listening(first);
    await fetch(listener.url, { method: 'DELETE', headers: { 'mcp-session-id': first } });
    for (let waited = 0; !front.seen.some((request) => request.method === 'GET' && request.answer?.status === 404) && waited < 10_000; waited += 20) await sleep(20);
    assert.equal(transport.sessionId, first);
    await assert.rejects(client.callTool('add'), (error: Error) => isLocal(LocalErrorCode.SessionExpired)(error) && /HTTP 404/.test(error.message));
  });

  it('with reinitialize: false, a lost session fails the call at once with MCP_ERR_SESSION_EXPIRED', async () => {
    const { client, transport } = await connect({ era: 'legacy', reinitialize: false, requestTimeoutMs: FOREVER });
    await fetch(listener.url, { method: 'DELETE', headers: { 'mcp-session-id': transport.sessionId! } });
    await assert.rejects(client.callTool('add'), (error: Error) => isLocal(LocalErrorCode.SessionExpired)(error) && /HTTP 404/.test(error.message));
  });

  it('a response stream cut mid-way is resumed with Last-Event-ID after the server\'s retry delay; nothing is lost or repeated', async () => {
    const { client } = await connect({ era: 'legacy' });
    front.decide = (request) => (request.rpcMethod === 'tools/call' ? { kind: 'cut', afterChunks: 3 } : { kind: 'pass' });
    const progress: number[] = [];
    const result = await client.callTool('steps', { count: 10, gapMs: 20 }, { onProgress: ({ progress: step }) => progress.push(step) });
    assert.equal(textOf(result), 'done after 10');
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const resumes = front.seen.filter((request) => request.method === 'GET' && request.headers['last-event-id'] !== undefined);
    assert.equal(resumes.length, 1);
    const cutAt = await front.cut;
    assert.ok(resumes[0].at - cutAt >= 1500 - 5, `resumed ${resumes[0].at - cutAt} ms after the cut; the server asked for 1500`);
  });

  for (const era of ['modern', 'legacy'] as const) {
    it(`a long text answered on a stream arrives as it was, with and without characters JSON escapes (${era} era)`, async () => {
      const { client } = await connect({ era });
      for (const text of ['abc', 'a"\\\n\u0001é😀']) {
        let steps = 0;
        const result = await client.callTool('long', { text }, { onProgress: () => steps++ });
        assert.equal(steps, 1, 'answered on a stream');
        assert.equal(textOf(result), text.repeat(100_000));
      }
    });

    it(`a long text sent as an argument arrives as it was, with and without characters JSON escapes (${era} era)`, async () => {
      const { client } = await connect({ era });
      for (const text of ['abc', 'a"\\\n\u0001é😀']) {
        const long = text.repeat(100_000);
        assert.equal(textOf(await client.callTool('long', { text: long, times: 1 })), long);
      }
    });
  }

  it('a stream the server lets go of (SEP-1699) is resumed and the answer arrives', async () => {
    const { client } = await connect({ era: 'legacy' });
    assert.equal(textOf(await client.callTool('hang_up')), 'answered after the stream closed');
  });

  it('progress restarts the timeout; without progress the same call times out; maxTotalTimeoutMs caps it', async () => {
    const { client } = await connect({}, listener.url);
    // 40 steps 50 ms apart take at least 2 s, longer than the 1.5 s timeout.
    const args = { count: 40, gapMs: 50 };
    const steps: number[] = [];
    const result = await client.callTool('steps', args, { timeoutMs: 1500, onProgress: ({ progress }) => steps.push(progress) });
    assert.equal(textOf(result), 'done after 40');
    assert.equal(steps.length, 40);
    await assert.rejects(client.callTool('steps', args, { timeoutMs: 1500 }), (error: Error) => isLocal(LocalErrorCode.Timeout)(error) && /after 1500 ms/.test(error.message));
    await assert.rejects(
      client.callTool('steps', args, { timeoutMs: 1500, maxTotalTimeoutMs: 500, onProgress: () => undefined }),
      (error: Error) => isLocal(LocalErrorCode.Timeout)(error) && /a total of 500 ms/.test(error.message),
    );
  });
});
