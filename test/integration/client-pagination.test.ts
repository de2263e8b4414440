/**
 * A server's pagination cannot keep a client listing forever: cursors that come back, pages
 * without end, and items that are not an array fail the listing with a clear error. A gateway
 * in front of such an upstream lists its other upstreams and notes the failure. The peer is a
 * real HTTP server on 127.0.0.1 that speaks just enough of 2026-07-28 to page wrongly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { fixture } from '../helpers/gateway.ts';
import { HostileServer, json } from '../helpers/hostile-http.ts';

type Paging = 'pages' | 'same-cursor' | 'endless' | 'endless-large' | 'not-an-array';

/** The tools/list page a server that pages as `paging` says answers for `cursor`. */
function pageOf(paging: Paging, cursor: unknown): Record<string, unknown> {
  const page = cursor === undefined ? 0 : Number(cursor);
  const tools = [{ name: `tool${page}`, inputSchema: { type: 'object' } }];
  if (paging === 'pages') return page < 2 ? { tools, nextCursor: String(page + 1) } : { tools };
  if (paging === 'same-cursor') return { tools, nextCursor: '1' };
  if (paging === 'endless') return { tools, nextCursor: String(page + 1) };
  if (paging === 'endless-large') return { tools: [{ ...tools[0], description: 'd'.repeat(1000) }], nextCursor: String(page + 1) };
  return { tools: { tool: tools[0] }, nextCursor: '1' };
}

describe('pagination a client cannot be kept in', () => {
  let server: HostileServer;
  /** The tools/list requests the server has answered. */
  let listRequests = 0;
  before(async () => {
    server = await new HostileServer().start();
  });
  after(() => server.close());

  /** Makes the server answer tools/list as `paging` says; returns its URL. */
  function pagingAs(paging: Paging): string {
    server.handler = (message, res) => {
      listRequests++;
      json(res, { jsonrpc: '2.0', id: message.id, result: pageOf(paging, message.params?.cursor) });
    };
    return server.url;
  }

  async function list(paging: Paging, maxListPages?: number, maxListBytes?: number): Promise<unknown> {
    const client = new McpClient({ name: 't', version: '1', era: 'modern', maxListPages, maxListBytes, cache: false });
    await client.connect(new StreamableHttpClientTransport(pagingAs(paging)));
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
    const before = listRequests;
    await assert.rejects(list('same-cursor'), { code: 'MCP_ERR_PROTOCOL', message: 'tools/list: the server gave the cursor "1" twice' });
    assert.equal(listRequests - before, 2);
  });

  it('fails after maxListPages pages when the cursors never end', async () => {
    const before = listRequests;
    await assert.rejects(list('endless', 5), { code: 'MCP_ERR_PROTOCOL', message: 'tools/list: more than 5 pages' });
    assert.equal(listRequests - before, 5);
    // The default bound holds too: a thousand pages, then the same error.
    await assert.rejects(list('endless'), { message: 'tools/list: more than 1000 pages' });
  });

  it('fails once its pages hold more than maxListBytes in all, instead of holding up to maxListPages of them', async () => {
    const before = listRequests;
    // Each page's one tool takes about 1,050 bytes: the fifth passes 5,000.
    await assert.rejects(list('endless-large', undefined, 5000), { code: 'MCP_ERR_PROTOCOL', message: 'tools/list: the tools listed take more than 5000 bytes' });
    assert.equal(listRequests - before, 5);
  });

  it('fails when the items are not an array', async () => {
    await assert.rejects(list('not-an-array'), { code: 'MCP_ERR_PROTOCOL', message: /^tools\/list: "tools" is an object, not an array$/ });
  });

  it('a gateway lists its other upstreams and notes the one that pages in circles', async () => {
    const manager = new McpManager({ mcpServers: { good: fixture(), circles: { url: pagingAs('same-cursor') } } });
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
