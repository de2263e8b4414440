/**
 * The 2024-11-05 HTTP+SSE transport, client side, against the official TypeScript SDK v1's
 * SSEServerTransport in a process of its own (GET /sse, POST /messages): the handshake, calls,
 * a server's question answered over the POST endpoint, and the ways a hostile or broken server
 * is met (an endpoint on another origin, an answer that is no stream, a stream that ends).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { SseClientTransport } from '../../src/transport/http/sse-client.ts';
import { scratch, writeConfig } from '../helpers/gateway.ts';
import { CLI, ROOT, startHttpServer, type RunningServer } from '../helpers/processes.ts';

const PEERS = join(ROOT, 'test/fixtures/sdk-servers.ts');
const CLIENT = { name: 'mcp-core-client', version: '1.0.0', probeTimeoutMs: 60_000 };

function isLocal(code: string, message: RegExp) {
  return (error: unknown) => error instanceof McpLocalError && error.code === code && message.test(error.message);
}

describe('HTTP+SSE (2024-11-05) client transport against the SDK v1 server', () => {
  let peer: RunningServer;
  before(async () => {
    peer = await startHttpServer(PEERS, ['v1', 'sse']);
  });
  after(() => peer.stop());

  it('connects (the server/discover probe falls back to initialize), lists and calls tools, and answers a question of the server', async () => {
    const client = new McpClient({ ...CLIENT, onElicit: () => ({ action: 'accept', content: { confirm: true } }) });
    await client.connect(new SseClientTransport(peer.url));
    try {
      assert.equal(client.era, 'legacy');
      assert.equal(client.serverInfo?.name, 'sdk-v1-peer');
      assert.deepEqual((await client.listTools()).map((tool) => tool.name), ['echo', 'confirm']);
      const calls = await Promise.all(['a', 'b', 'c'].map((text) => client.callTool('echo', { text })));
      assert.deepEqual(calls.map((result) => result.content), [[{ type: 'text', text: 'a' }], [{ type: 'text', text: 'b' }], [{ type: 'text', text: 'c' }]]);
      assert.deepEqual((await client.callTool('confirm', { question: 'go?' })).content, [{ type: 'text', text: 'go? -> accept' }]);
      // A long text is sent as it was, with and without characters JSON escapes.
      for (const text of ['abc', 'a"\\\n\u0001é😀']) {
        const long = text.repeat(100_000);
        assert.deepEqual((await client.callTool('echo', { text: long })).content, [{ type: 'text', text: long }]);
      }
    } finally {
      await client.close();
    }
  });

  it('is the transport of a gateway upstream with type sse (the desktop clients\' spelling)', async () => {
    const config = await writeConfig(await scratch(), { mcpServers: { old: { type: 'sse', url: peer.url } } });
    const called = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, 'call', 'old__echo', '--args', '{"text":"through the gateway"}', '--config', config], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ error, stdout, stderr })),
    );
    assert.equal(called.error, null, called.stderr);
    assert.equal(called.stdout, 'through the gateway\n');
  });

  it('a Streamable HTTP client pointed at it is told which transport it needs', async () => {
    const client = new McpClient(CLIENT);
    await assert.rejects(client.connect(new StreamableHttpClientTransport(peer.url)), isLocal(LocalErrorCode.ProtocolViolation, /\(HTTP 404\).*HTTP\+SSE transport of 2024-11-05 is reached with SseClientTransport/));
  });

  it('a closed transport refuses to send, and a new one starts a new session', async () => {
    const first = new McpClient({ ...CLIENT, era: 'legacy' });
    const transport = new SseClientTransport(peer.url);
    await first.connect(transport);
    await first.close();
    assert.equal(transport.state, 'closed');
    assert.throws(() => transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' }), /closed/);
    const second = new McpClient({ ...CLIENT, era: 'legacy' });
    await second.connect(new SseClientTransport(peer.url));
    try {
      assert.deepEqual((await second.callTool('echo', { text: 'again' })).content, [{ type: 'text', text: 'again' }]);
    } finally {
      await second.close();
    }
  });
});

describe('HTTP+SSE client transport against a hostile server', () => {
  let server: Server;
  let url: string;
  let answer: (res: ServerResponse) => void;
  const posted: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      if (req.method === 'POST') {
        posted.push(req.url ?? '');
        req.resume();
        if (req.url === '/refuse') res.writeHead(400, { 'content-type': 'text/plain' }).end('no such session\n\u001b[31m');
        else res.writeHead(202).end();
        return;
      }
      answer(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sse`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const sse = (res: ServerResponse, body: string, end = true) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (end) res.end(body);
    else res.write(body);
  };

  it('refuses an endpoint on another origin: nothing is POSTed there, and the handshake fails saying why', async () => {
    answer = (res) => sse(res, 'event: endpoint\ndata: http://evil.example/messages\n\n', false);
    const client = new McpClient({ ...CLIENT, era: 'legacy' });
    await assert.rejects(client.connect(new SseClientTransport(url)), isLocal(LocalErrorCode.ProtocolViolation, /another origin \(http:\/\/evil\.example\)/));
    assert.deepEqual(posted, []);
  });

  it('fails the handshake at once, with the reason, when the GET is not answered with a stream (HTML, 401), or the stream ends before naming its endpoint', async () => {
    answer = (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>');
    await assert.rejects(new McpClient({ ...CLIENT, era: 'legacy' }).connect(new SseClientTransport(url)), isLocal(LocalErrorCode.ProtocolViolation, /answered HTTP 200 \(text\/html\), not an HTTP\+SSE stream/));
    answer = (res) => sse(res, ': a comment, then nothing\n\n');
    await assert.rejects(new McpClient({ ...CLIENT, era: 'legacy' }).connect(new SseClientTransport(url)), isLocal(LocalErrorCode.ProtocolViolation, /ended before naming its endpoint/));
    answer = (res) => res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    await assert.rejects(new McpClient({ ...CLIENT, era: 'legacy' }).connect(new SseClientTransport(url)), isLocal(LocalErrorCode.Unauthorized, /answered HTTP 401, not an HTTP\+SSE stream/));
  });

  it('cuts an event past maxMessageBytes, closing the transport with the reason', async () => {
    answer = (res) => {
      sse(res, 'event: endpoint\ndata: /messages?sessionId=1\n\n', false);
      res.write(`data: ${'x'.repeat(4096)}`);
    };
    const transport = new SseClientTransport(url, { maxMessageBytes: 1024 });
    const closed = new Promise<Error | undefined>((resolve) => transport.start({ onMessage() {}, onFrameError() {}, onClose: resolve }));
    const error = await closed;
    assert.ok(isLocal(LocalErrorCode.MessageTooLarge, /exceeds the limit of 1024 bytes/)(error), String(error));
  });

  it('fails a request whose POST is refused, quoting the refusal, and sends the rest', async () => {
    answer = (res) => sse(res, 'event: endpoint\ndata: /refuse\n\n', false);
    const failed: Array<[unknown, Error]> = [];
    const transport = new SseClientTransport(url);
    transport.start({ onMessage() {}, onFrameError() {}, onClose() {}, onSendError: (message, error) => failed.push([message, error]) });
    transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    transport.send({ jsonrpc: '2.0', id: 7, method: 'ping' });
    while (failed.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(failed.length, 1, 'only the request has someone to tell');
    assert.deepEqual(failed[0][0], { jsonrpc: '2.0', id: 7, method: 'ping' });
    assert.ok(isLocal(LocalErrorCode.ProtocolViolation, /POST of ping to \/refuse answered HTTP 400: "no such session\\n\\u001b\[31m"/)(failed[0][1]), String(failed[0][1]));
    await transport.close();
  });

  it('POSTs to the endpoint the server named, resolved against the stream URL, skips JSON that does not parse, and reads a batch message by message', async () => {
    posted.length = 0;
    let stream: ServerResponse | undefined;
    answer = (res) => {
      stream = res;
      sse(res, 'event: endpoint\ndata: /messages?sessionId=abc\n\ndata: {not json\n\n', false);
    };
    const frames: Error[] = [];
    const heard: unknown[] = [];
    let closedWith: Error | undefined | null = null;
    const transport = new SseClientTransport(url);
    transport.start({ onMessage: (message) => heard.push(message), onFrameError: (error) => frames.push(error), onClose: (error) => (closedWith = error) });
    transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    while (posted.length === 0 || frames.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(posted, ['/messages?sessionId=abc']);
    stream!.write('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n');
    stream!.write('data: [{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"one"}},{"jsonrpc":"2.0","id":2,"result":{}}]\n\n');
    while (heard.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(heard, [
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'one' } },
      { jsonrpc: '2.0', id: 2, result: {} },
    ], 'a batch in an event: each of its messages');
    stream!.end();
    while (closedWith === null) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(isLocal(LocalErrorCode.ConnectionClosed, /ended the SSE stream/)(closedWith), String(closedWith));
  });
});
