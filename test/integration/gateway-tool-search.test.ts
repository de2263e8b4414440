/**
 * Tool search mode (`gateway.toolSearch`): the gateway offers `search_tools` and `call_tool`
 * instead of every upstream tool, in front of the real test fixture.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import type { McpError } from '../../src/protocol/wire-errors.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { fixture, textOf } from '../helpers/gateway.ts';

const names = async (client: McpClient) => (await client.listTools()).map((tool) => tool.name);

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };

describe('tool search mode', () => {
  it('offers search_tools and call_tool instead of every tool', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture(['--tools', '300']) }, gateway: { toolSearch: true } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const { client, close } = await connectInMemory(server);
    try {
      assert.deepEqual(await names(client), ['search_tools', 'call_tool']);
      const found = await client.callTool('search_tools', { query: 'echo text', limit: 3 });
      const hits = (found.structuredContent as { tools: Array<{ name: string; inputSchema: unknown }> }).tools;
      assert.equal(hits[0].name, 'fx__echo');
      assert.ok(hits[0].inputSchema);
      assert.equal((await client.callTool('search_tools', { query: 'generated number 42' })).isError, undefined);
      // A query is words describing a task: one of a million characters is refused, unread.
      const endless = await client.callTool('search_tools', { query: 'echo '.repeat(200_000) });
      assert.equal(endless.isError, true);
      assert.match(textOf(endless), /\/query must NOT have more than 1000 characters/);
      assert.equal(textOf(await client.callTool('call_tool', { name: 'fx__echo', arguments: { text: 'via search' } })), 'via search');
      const unknown = await client.callTool('call_tool', { name: 'fx__nope' });
      assert.equal(unknown.isError, true);
      assert.match(textOf(unknown), /Unknown tool: fx__nope/);
      // The manager's own API still lists everything.
      assert.equal((await manager.listTools()).length, 315);
    } finally {
      await close();
      await manager.close();
    }
  });

  it('regression: a tools/call made as a task naming an upstream tool directly is refused as the plain call is (it ran the tool upstream), in front of a real upstream over HTTP', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() }, gateway: { toolSearch: true } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const listener = await serveHttp(server, { host: '127.0.0.1', port: 0 });
    const plain = new McpClient({ name: 'plain', version: '1.0.0' });
    const tasking = new McpClient({ name: 'tasking', version: '1.0.0', capabilities: TASKS });
    try {
      await plain.connect(new StreamableHttpClientTransport(listener.url));
      await tasking.connect(new StreamableHttpClientTransport(listener.url));
      const refusals = async (client: McpClient) => {
        const out: unknown[] = [];
        for (const params of [
          // `work` may run as a task upstream: as a task it was sent there, and answered with its handle.
          { name: 'fx__work', arguments: { ms: 1 } },
          { name: 'fx__echo', arguments: { text: 'x' } },
          // Hostile values.
          { name: { toString: 1 }, arguments: {} },
          { name: null },
          { name: 'fx__work', arguments: [1, 2] },
          { name: 'call_tool', arguments: 'fx__work' },
        ]) {
          out.push(await client.request('tools/call', params).then((result) => ({ result }), ({ code, message }: McpError) => ({ code, message })));
        }
        return out;
      };
      const refused = await refusals(plain);
      assert.deepEqual(refused.slice(0, 2), [{ code: -32602, message: 'Unknown tool: fx__work' }, { code: -32602, message: 'Unknown tool: fx__echo' }]);
      assert.deepEqual(refused.slice(4), [{ code: -32602, message: 'Unknown tool: fx__work' }, { code: -32602, message: 'Invalid params: "arguments" must be an object' }]);
      assert.deepEqual(await refusals(tasking), refused);
      for (const client of [plain, tasking]) {
        assert.deepEqual(await names(client), ['search_tools', 'call_tool']);
        // What search mode offers still works, for both.
        assert.equal(textOf(await client.callTool('call_tool', { name: 'fx__work', arguments: { ms: 1 } })), 'worked 1');
      }
    } finally {
      await plain.close();
      await tasking.close();
      await listener.close();
      await manager.close();
    }
  });

  it('without tool search, a tools/call made as a task of an upstream tool that may run as one still runs as the upstream\'s task', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const { client, close } = await connectInMemory(server, { capabilities: TASKS });
    try {
      const handle = await client.request('tools/call', { name: 'fx__work', arguments: { ms: 1 } });
      assert.equal(handle.resultType, 'task');
      await assert.rejects(client.request('tools/call', { name: 'fx__work', arguments: 'x' }), { code: -32602, message: 'Invalid params: "arguments" must be an object' });
    } finally {
      await close();
      await manager.close();
    }
  });
});
