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
});
