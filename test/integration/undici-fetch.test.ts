/**
 * The HTTP client transport's pooled fetches, on undici's connections and on the client's own
 * HTTP/1.1 connections (the default): the client works through each in both eras (JSON
 * answers, SSE streams with progress and legacy questions, sessions), redirects, cancellation
 * and failures read as they do through the built-in fetch.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { Cancellation } from '../../src/protocol/cancellation.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { createH1Fetch, createUndiciFetch } from '../../src/transport/http/undici-fetch.ts';
import { ROOT, startDemoHttp, type RunningServer } from '../helpers/processes.ts';

/** A plain HTTP server on 127.0.0.1 that answers with `respond`; its URL. */
async function plainServer(respond: (request: IncomingMessage, body: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const answer = respond(request, body);
      response.writeHead(answer.status, answer.headers);
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const FETCHES = [
  ['undici', createUndiciFetch],
  ['h1', createH1Fetch],
] as const;

for (const [kind, createFetch] of FETCHES) {
  describe(`HTTP client transport over the ${kind} fetch`, () => {
    let demo: RunningServer;
    const fetch = createFetch();
    before(async () => {
      demo = await startDemoHttp();
    });
    after(async () => {
      await fetch.close();
      await demo.stop();
    });

    for (const era of ['modern', 'legacy'] as const) {
      it(`serves a ${era} client: answers, progress, questions, cancellation`, async () => {
        const client = new McpClient({ name: 'undici', version: '1.0.0', era, onElicit: async () => ({ action: 'accept', content: { answer: 'Ada' } }) });
        await client.connect(new StreamableHttpClientTransport(demo.url, { fetch }));
        try {
          assert.ok((await client.listTools()).some((tool) => tool.name === 'echo'));
          assert.deepEqual((await client.callTool('echo', { text: 'x' })).content, [{ type: 'text', text: 'x' }]);
          const progress: number[] = [];
          await client.callTool('sleep', { ms: 50 }, { onProgress: (p) => progress.push(p.progress) });
          assert.equal(progress.length, 10);
          assert.deepEqual((await client.callTool('ask', { question: 'Name?' })).content, [{ type: 'text', text: 'Ada' }]);
          const controller = new AbortController();
          const call = client.callTool('sleep', { ms: 3000 }, { signal: controller.signal, onProgress: () => controller.abort() });
          await assert.rejects(call, (error: unknown) => error instanceof McpLocalError && error.code === LocalErrorCode.Cancelled);
        } finally {
          await client.close();
        }
      });
    }

    it('reports a server that cannot be reached as unreachable', async () => {
      const client = new McpClient({ name: 'undici', version: '1.0.0' });
      await assert.rejects(
        client.connect(new StreamableHttpClientTransport('http://127.0.0.1:9/mcp', { fetch })),
        (error: unknown) => error instanceof McpLocalError && error.code === LocalErrorCode.Unreachable,
      );
    });

    it('answers as a Response: headers, a body read once in any of its forms, clone and statuses without a body', async () => {
      const post = (body: string) =>
        fetch(demo.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
          body,
        });
      const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
      const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: meta } });
      const read = await post(ping);
      assert.equal(read.ok, true);
      assert.equal(read.headers.get('Content-Type'), 'application/json');
      assert.equal(read.headers.has('content-length'), true);
      assert.ok([...read.headers].some(([name]) => name === 'content-type'));
      assert.equal(((await read.json()) as { id: unknown }).id, 1);
      assert.equal(read.bodyUsed, true);
      await assert.rejects(read.text(), TypeError);
      const streamed = await post(ping);
      const chunks: Uint8Array[] = [];
      for await (const chunk of streamed.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
      assert.match(Buffer.concat(chunks).toString(), /"supportedVersions"/);
      await assert.rejects(streamed.text(), TypeError);
      const cloned = (await post(ping)).clone();
      assert.match(await cloned.text(), /"supportedVersions"/);
      const accepted = await fetch(demo.url, { method: 'DELETE' });
      assert.ok(accepted.status >= 400);
      assert.equal(typeof (await accepted.text()), 'string');
    });
  });

  describe(`${kind} fetch: redirects and cancellation`, () => {
    const fetch = createFetch();
    const seen = (request: IncomingMessage, body: string) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: request.method, url: request.url, body, authorization: request.headers.authorization ?? null, type: request.headers['content-type'] ?? null }),
    });
    let other: { url: string; server: Server };
    let main: { url: string; server: Server };
    before(async () => {
      other = await plainServer(seen);
      main = await plainServer((request, body) => {
        if (request.url === '/keep') return { status: 307, headers: { location: '/seen' } };
        if (request.url === '/see-other') return { status: 303, headers: { location: '/seen' } };
        if (request.url === '/elsewhere') return { status: 308, headers: { location: `${other.url}/seen` } };
        if (request.url === '/loop') return { status: 307, headers: { location: '/loop' } };
        if (request.url === '/slow') return { status: 200, body: 'late' };
        return seen(request, body);
      });
    });
    after(async () => {
      await fetch.close();
      main.server.close();
      other.server.close();
    });

    const post = (path: string, init: object = {}) =>
      fetch(`${main.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer secret' }, body: '{"a":1}', ...init });

    it('follows a 307 with the same method and body, and says so', async () => {
      const response = await post('/keep');
      assert.deepEqual(await response.json(), { method: 'POST', url: '/seen', body: '{"a":1}', authorization: 'Bearer secret', type: 'application/json' });
      assert.equal(response.redirected, true);
      assert.equal(response.url, `${main.url}/seen`);
    });

    it('goes on as a GET without the body after a 303', async () => {
      const response = await post('/see-other');
      assert.deepEqual(await response.json(), { method: 'GET', url: '/seen', body: '', authorization: 'Bearer secret', type: null });
    });

    it('sends no credentials to another origin', async () => {
      const response = await post('/elsewhere');
      assert.deepEqual(await response.json(), { method: 'POST', url: '/seen', body: '{"a":1}', authorization: null, type: 'application/json' });
    });

    it('stops following after 5 redirects and answers with the last one', async () => {
      const response = await post('/loop');
      assert.equal(response.status, 307);
    });

    it('rejects with the reason when its Cancellation is cancelled, as with a signal', async () => {
      const cancellation = new Cancellation();
      const reason = new Error('the caller left');
      cancellation.cancel(reason);
      await assert.rejects(post('/slow', { cancellation }), (error: unknown) => error === reason);
      const controller = new AbortController();
      controller.abort(reason);
      await assert.rejects(post('/slow', { signal: controller.signal }), (error: unknown) => error === reason);
      const later = new Cancellation();
      const pending = post('/slow', { cancellation: later });
      later.cancel(reason);
      await assert.rejects(pending, (error: unknown) => error === reason);
    });
  });

  describe(`${kind} fetch: an SSE answer that arrives in a burst`, () => {
    it('regression: is read to its end, not livelocked on an empty chunk once the reader falls behind', async () => {
      // 100 events of 4 KiB written at once: the reader falls behind, the body pauses and resumes.
      const event = `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: 'p'.repeat(4096) } })}\n\n`;
      const last = 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n';
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (let i = 0; i < 100; i++) res.write(event);
          res.end(last);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        // In a process of its own: the livelock went round in microtasks, so no timer of the
        // reader's process could end it (the reader spun at full CPU for ever).
        const printed = await new Promise<string>((resolve, reject) =>
          execFile(process.execPath, [`${ROOT}/test/fixtures/sse-burst-reader.ts`, url, '20', kind], { timeout: 30_000 }, (error, stdout) => (error === null ? resolve(stdout) : reject(error))),
        );
        const size = Buffer.byteLength(event) * 100 + Buffer.byteLength(last);
        assert.deepEqual(printed.trim().split('\n').map(Number), Array.from({ length: 20 }, () => size));
      } finally {
        server.close();
      }
    });
  });
}
