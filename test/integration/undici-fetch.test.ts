/**
 * The undici-based fetch for the HTTP client transport: the client works through it in both
 * eras (JSON answers, SSE streams with progress and legacy questions, sessions), and failures
 * read as they do through the built-in fetch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { createUndiciFetch } from '../../src/transport/http/undici-fetch.ts';
import { startDemoHttp, type RunningServer } from '../helpers/processes.ts';

describe('HTTP client transport over undici', () => {
  let demo: RunningServer;
  const fetch = createUndiciFetch();
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
