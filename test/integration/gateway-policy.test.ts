/**
 * An upstream's tool allow/deny lists and `enabled: false` hold on every route to a tool: the
 * tool's namespaced name, a task-augmented call, the tool search's `call_tool`, names that
 * differ by case, compatibility forms, invisible characters or spaces, and tools added later
 * (list_changed). A real upstream process written here counts the calls it gets of the tools
 * the gateway must not offer: none may reach it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { fixture, scratch, textOf } from '../helpers/gateway.ts';
import { ROOT } from '../helpers/processes.ts';

/** A name of 20,000 characters that `*a*b*c*d` does not match: backtracking over it took hours. */
const LONG = `${'ab'.repeat(5000)}${'c'.repeat(10_000)}`;

/** Names an upstream might give the tool `delete_*` is meant to keep out. */
const VARIANTS = ['delete_file', 'Delete_File', 'DELETE_FILE', 'delete_file ', ' delete_file', 'ｄｅｌｅｔｅ_file', 'delete\u200b_file', 'de\u00adlete_file'];

/**
 * A real upstream (the project's own server over stdio): the VARIANTS (a task-capable tool
 * each), `read_file`, LONG, `grow {name}` (adds a tool, so list_changed), and `denied_calls`
 * (how many calls of a tool whose name starts with "delete", folded, it has answered).
 */
function namesServer(): string {
  const src = (file: string) => JSON.stringify(join(ROOT, 'src', file));
  return `
import { McpServer } from ${src('server/server.ts')};
import { ServerConnection } from ${src('server/connection.ts')};
import { StdioServerTransport } from ${src('transport/stdio.ts')};
const server = new McpServer({ name: 'names', version: '1.0.0' });
let denied = 0;
const add = (name) => server.tool(name, { description: 'Deletes or reads files: ' + name, taskSupport: 'optional' }, () => {
  if (name.normalize('NFKC').replace(/[\\u200b\\u00ad]/g, '').trim().toLowerCase().startsWith('delete')) denied++;
  return 'ran ' + name;
});
for (const name of ${JSON.stringify([...VARIANTS, 'read_file', LONG])}) add(name);
server.tool('grow', { inputSchema: { type: 'object', properties: { name: { type: 'string' } } } }, ({ name }) => { add(name); return 'grown'; });
server.tool('denied_calls', {}, () => String(denied));
new ServerConnection(server, new StdioServerTransport(), { onClose: () => process.exit(0) }).start();
`;
}

async function gatewayOf(toolSearch: boolean) {
  const script = join(await scratch(), 'names-server.ts');
  await writeFile(script, namesServer());
  const manager = new McpManager({
    mcpServers: {
      names: { command: process.execPath, args: [script], tools: { deny: ['delete_*', '*a*b*c*d'] } },
      off: fixture([], { enabled: false }),
    },
    gateway: { toolSearch },
  });
  const server = new McpServer({ name: 'gateway', version: '1.0.0' });
  new Gateway(server, manager);
  await manager.start();
  return { manager, server };
}

const TASKS = { 'io.modelcontextprotocol/tasks': {} };

describe('tool policies hold on every route', { timeout: 120_000 }, () => {
  it('regression: a deny-listed tool is offered under no name (case, NFKC, invisible characters, spaces) and no call of it reaches the upstream', async () => {
    const { manager, server } = await gatewayOf(false);
    const { client, close } = await connectInMemory(server, { capabilities: { extensions: TASKS } });
    try {
      const names = (await client.listTools()).map((tool) => tool.name);
      // Was: every variant but the exact name offered; and the listing took hours on LONG.
      assert.deepEqual(names.filter((name) => name !== `names__${LONG}`).sort(), ['names__denied_calls', 'names__grow', 'names__read_file']);
      assert.ok(names.includes(`names__${LONG}`), 'a long name the deny patterns do not match is offered');
      for (const variant of VARIANTS) {
        // Asked as a task too: the task route finds no tool either.
        await assert.rejects(client.request('tools/call', { name: `names__${variant}`, arguments: {} }), /Unknown tool|not found/i, variant);
      }
      assert.equal(textOf(await client.callTool('names__read_file', {})), 'ran read_file');
      // Tools the upstream adds later (list_changed) are filtered as the first ones were.
      const relisted = new Promise<void>((resolve) => {
        const stop = manager.subscribe({ onChange: () => manager.catalog.tool('names__kept_later') !== undefined && (stop(), resolve()) });
      });
      await client.callTool('names__grow', { name: 'Delete_Later' });
      await client.callTool('names__grow', { name: 'kept_later' });
      await relisted;
      assert.ok((await client.listTools()).some((tool) => tool.name === 'names__kept_later'));
      assert.ok(!(await client.listTools()).some((tool) => tool.name === 'names__Delete_Later'));
      await assert.rejects(client.callTool('names__Delete_Later', {}), /Unknown tool|not found/i);
      // A disabled upstream is on no route either: its tools, and its resources by URI.
      await assert.rejects(client.callTool('off__echo', { text: 'x' }), /Unknown tool|not found/i);
      await assert.rejects(client.readResource('fixture://off__info'), /not found|Unknown/i);
      assert.equal(textOf(await client.callTool('names__denied_calls', {})), '0');
    } finally {
      await close();
      await manager.close();
    }
  });

  it('in tool search mode, search_tools finds no deny-listed tool and call_tool calls none; values of the wrong type are refused', async () => {
    const { manager, server } = await gatewayOf(true);
    const { client, close } = await connectInMemory(server);
    try {
      const found = await client.callTool('search_tools', { query: 'delete file', limit: 50 });
      const hits = (found.structuredContent as { tools: Array<{ name: string }> }).tools.map((hit) => hit.name);
      assert.deepEqual(hits, ['names__read_file']);
      for (const variant of VARIANTS) {
        const refused = await client.callTool('call_tool', { name: `names__${variant}`, arguments: {} });
        assert.equal(refused.isError, true, variant);
        assert.match(textOf(refused), /Unknown tool/);
      }
      assert.equal(textOf(await client.callTool('call_tool', { name: 'names__read_file', arguments: {} })), 'ran read_file');
      // What a caller may send instead of the spec's types: each a clear isError result.
      const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
        ['call_tool', { name: 7 }, /name must be string/],
        ['call_tool', { name: 'names__read_file', arguments: [] }, /arguments must be object/],
        ['call_tool', { name: 'names__read_file', arguments: 'x' }, /arguments must be object/],
        ['search_tools', { query: 'read', limit: 'ten' }, /limit must be integer/],
        ['search_tools', { query: 'read', limit: 1e9 }, /limit must be <= 50/],
        ['search_tools', { query: 'read', limit: -1 }, /limit must be >= 1/],
        ['search_tools', { query: 'read', limit: 2.5 }, /limit must be integer/],
        ['search_tools', { query: ['read'] }, /query must be string/],
        ['search_tools', { query: 'x'.repeat(10 * 1024 * 1024) }, /query must NOT have more than 1000 characters/],
      ];
      for (const [tool, args, says] of refusals) {
        const result = await client.callTool(tool, args);
        assert.equal(result.isError, true, `${tool} ${JSON.stringify(args).slice(0, 80)}`);
        assert.match(textOf(result), says);
      }
      // Was: the words past the 32nd silently unread. Now the caller is told.
      const wordy = await client.callTool('search_tools', { query: Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ') });
      assert.equal(wordy.isError, true);
      assert.match(textOf(wordy), /A query has at most 32 distinct words; this one has 100/);
      assert.equal(textOf(await client.callTool('call_tool', { name: 'names__denied_calls', arguments: {} })), '0');
    } finally {
      await close();
      await manager.close();
    }
  });

  it('a resource URI crafted to reach another upstream (its name after the separator, percent-encoded, another case, dot segments) reaches only the upstream it names, or none', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture(), fy: fixture() } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const { client, close } = await connectInMemory(server);
    const read = async (uri: string) => ((await client.readResource(uri)).contents as Array<{ text: string }>)[0].text;
    try {
      const pids = Object.fromEntries(manager.health().upstreams.map((upstream) => [upstream.name, upstream.pid]));
      assert.equal(await read('fixture://fx__info'), `upstream ${pids.fx}`);
      assert.equal(await read('fixture://fy__info'), `upstream ${pids.fy}`);
      for (const uri of ['fixture://fx__fy__info', 'fixture://fx%5F%5Finfo', 'fixture://FY__info', 'fixture://fx__/../fy__info', 'fixture://fx__../fy__info', 'ui://fx__fy__widget/panel.html', 'fy__info', 'fixture:fy__info']) {
        // fx is asked for `fixture://fy__info` and has no such resource; the others name no upstream.
        await assert.rejects(client.readResource(uri), /not found|Unknown|Invalid/i, uri);
      }
      assert.equal(await read('ui://fy__widget/panel.html'), '<p>panel</p>');
    } finally {
      await close();
      await manager.close();
    }
  });
});
