/**
 * A server's pagination cannot keep a client listing forever: cursors that come back, pages
 * without end, and items that are not an array fail the listing with a clear error. A gateway
 * in front of such an upstream lists its other upstreams and notes the failure. The peer is a
 * real HTTP server on 127.0.0.1 that speaks just enough of 2026-07-28 to page wrongly.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { fixture } from '../helpers/gateway.ts';

type Paging = 'pages' | 'same-cursor' | 'endless' | 'not-an-array';

/** Answers tools/list at `/<paging>` as its name says; counts the tools/list requests it serves. */
class PagingServer {
  readonly #server: Server;
  listRequests = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        const request = JSON.parse(body) as { id: number; method: string; params?: { cursor?: string } };
        const result = this.#answer(req.url!.slice(1) as Paging, request.method, request.params?.cursor);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: request.id, result }));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(paging: Paging): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/${paging}`;
  }

  close(): void {
    this.#server.close();
  }

  #answer(paging: Paging, method: string, cursor: string | undefined): Record<string, unknown> {
    if (method === 'server/discover') {
      return { resultType: 'complete', supportedVersions: [MODERN_VERSION], capabilities: { tools: {} }, serverInfo: { name: paging, version: '1' }, ttlMs: 0, cacheScope: 'private' };
    }
    this.listRequests++;
    const page = cursor === undefined ? 0 : Number(cursor);
    const tools = [{ name: `tool${page}`, inputSchema: { type: 'object' } }];
    if (paging === 'pages') return page < 2 ? { tools, nextCursor: String(page + 1) } : { tools };
    if (paging === 'same-cursor') return { tools, nextCursor: '1' };
    if (paging === 'endless') return { tools, nextCursor: String(page + 1) };
    return { tools: { tool: tools[0] }, nextCursor: '1' };
  }
}

describe('pagination a client cannot be kept in', () => {
  let server: PagingServer;
  before(async () => {
    server = await new PagingServer().start();
  });
  after(() => server.close());

  async function list(paging: Paging, maxListPages?: number): Promise<unknown> {
    const client = new McpClient({ name: 't', version: '1', era: 'modern', maxListPages, cache: false });
    await client.connect(new StreamableHttpClientTransport(server.url(paging)));
    try {
      return await client.listTools();
    } finally {
      await client.close();
    }
  }

  it('follows nextCursor to the last page', async () => {
    const tools = (await list('pages')) as Array<{ name: string }>;
    assert.deepEqual(
      tools.map((tool) => tool.name),
      ['tool0', 'tool1', 'tool2'],
    );
  });

  it('fails when the server gives a cursor it gave before', async () => {
    const before = server.listRequests;
    await assert.rejects(list('same-cursor'), { code: 'MCP_ERR_PROTOCOL', message: 'tools/list: the server gave the cursor "1" twice' });
    assert.equal(server.listRequests - before, 2);
  });

  it('fails after maxListPages pages when the cursors never end', async () => {
    const before = server.listRequests;
    await assert.rejects(list('endless', 5), { code: 'MCP_ERR_PROTOCOL', message: 'tools/list: more than 5 pages' });
    assert.equal(server.listRequests - before, 5);
    // The default bound holds too: a thousand pages, then the same error.
    await assert.rejects(list('endless'), { message: 'tools/list: more than 1000 pages' });
  });

  it('fails when the items are not an array', async () => {
    await assert.rejects(list('not-an-array'), { code: 'MCP_ERR_PROTOCOL', message: /^tools\/list: "tools" is an object, not an array$/ });
  });

  it('a gateway lists its other upstreams and notes the one that pages in circles', async () => {
    const manager = new McpManager({ mcpServers: { good: fixture(), circles: { url: server.url('same-cursor') } } });
    await manager.start();
    try {
      const names = (await manager.listTools()).map((tool) => tool.name);
      assert.ok(names.includes('good__echo'), names.join());
      assert.ok(!names.some((name) => name.startsWith('circles__')), names.join());
      const circles = manager.health().upstreams.find((upstream) => upstream.name === 'circles')!;
      assert.equal(circles.connected, true);
      assert.match(circles.lastError?.message ?? '', /listing tools failed: tools\/list: the server gave the cursor "1" twice/);
    } finally {
      await manager.close();
    }
  });
});
