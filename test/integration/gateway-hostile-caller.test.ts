/**
 * What one caller of the gateway can make it ask of an upstream: a 2026-07-28 caller's
 * `subscriptions/listen` naming many resources, against a real upstream process written here
 * that counts the `subscriptions/listen` requests it gets and the URIs they name.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { McpClient } from '../../src/client/client.ts';
import { ServerConnection } from '../../src/server/connection.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { InMemoryTransport } from '../../src/transport/in-memory.ts';
import { scratch, textOf } from '../helpers/gateway.ts';
import { ROOT } from '../helpers/processes.ts';

/** A 2026-07-28 upstream whose resources may be followed; its tool `listens` says "<listens> <URIs named in all>". */
function countingServer(): string {
  const src = (file: string) => JSON.stringify(join(ROOT, 'src', file));
  return `
import { McpServer, Era } from ${src('server/server.ts')};
import { ServerConnection } from ${src('server/connection.ts')};
import { StdioServerTransport } from ${src('transport/stdio.ts')};
import { listen } from ${src('server/handlers/subscriptions.ts')};
const server = new McpServer({ name: 'counting', version: '1.0.0', capabilities: { resources: { subscribe: true, listChanged: true } } });
let listens = 0;
let uris = 0;
const never = new AbortController().signal;
server.resource('x://a', { name: 'a' }, () => 'a');
server.resourceTemplate('x://r{n}', { name: 'r' }, (uri) => uri);
server.method('subscriptions/listen', (core, params, ctx) => {
  listens++;
  uris += params.notifications?.resourceSubscriptions?.length ?? 0;
  return listen(core, params, ctx, never);
}, { era: Era.Modern });
server.tool('listens', {}, () => listens + ' ' + uris);
new ServerConnection(server, new StdioServerTransport(), { onClose: () => process.exit(0) }).start();
`;
}

/** 20,000 small tools (`t<i>`) and 60 `huge<i>` of 100,000 characters of description and as many of schema. */
function manyToolsServer(): string {
  const src = (file: string) => JSON.stringify(join(ROOT, 'src', file));
  return `
import { McpServer } from ${src('server/server.ts')};
import { ServerConnection } from ${src('server/connection.ts')};
import { StdioServerTransport } from ${src('transport/stdio.ts')};
const server = new McpServer({ name: 'many', version: '1.0.0' });
for (let i = 0; i < 20000; i++) server.tool('t' + i, { description: 'Generated tool number ' + i }, () => String(i));
const filler = 'x'.repeat(100000);
for (let i = 0; i < 60; i++) {
  server.tool('huge' + i, { description: 'A huge tool ' + filler, inputSchema: { type: 'object', properties: { a: { type: 'string', description: filler } } } }, () => 'huge');
}
new ServerConnection(server, new StdioServerTransport(), { onClose: () => process.exit(0) }).start();
`;
}

/** A gateway (started) in front of {@link countingServer} as upstream `up`. */
async function countingGateway(): Promise<{ manager: McpManager; server: McpServer }> {
  const script = join(await scratch(), 'counting-server.ts');
  await writeFile(script, countingServer());
  const manager = new McpManager({ mcpServers: { up: { command: process.execPath, args: [script] } } });
  const server = new McpServer({ name: 'gateway', version: '1.0.0' });
  new Gateway(server, manager);
  await manager.start();
  return { manager, server };
}

describe('a hostile caller of the gateway', { timeout: 60_000 }, () => {
  it('regression: search_tools over 20,000 tools answers within 1 MiB, saying how many matches it left out, when the matches are of 100 KB each', async (t) => {
    const script = join(await scratch(), 'many-server.ts');
    await writeFile(script, manyToolsServer());
    const manager = new McpManager({ mcpServers: { many: { command: process.execPath, args: [script] } }, gateway: { toolSearch: true } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const { client, close } = await connectInMemory(server);
    try {
      const started = performance.now();
      const found = await client.callTool('search_tools', { query: 'huge tool', limit: 50 });
      t.diagnostic(`first search (the index built) ${Math.round(performance.now() - started)} ms`);
      const { tools, omitted } = found.structuredContent as { tools: Array<{ name: string; description: string }>; omitted: number };
      // Was: all 50, 10 MiB of them, twice (as text too).
      assert.ok(JSON.stringify(tools).length <= 1024 * 1024, `${JSON.stringify(tools).length} characters`);
      assert.ok(tools.length > 0 && omitted > 0, `${tools.length} hits, ${omitted} left out`);
      assert.equal(tools.length + omitted, 50);
      assert.ok(tools.every((tool) => tool.name.startsWith('many__huge') && tool.description.length <= 2001));
      assert.match(textOf({ content: [found.content[1]] }), new RegExp(`^${omitted} more matching tools are left out: an answer holds at most 1048576 characters`));
      const again = performance.now();
      const one = await client.callTool('search_tools', { query: 'generated tool number 19999' });
      t.diagnostic(`a search among 20,060 tools ${Math.round(performance.now() - again)} ms`);
      assert.equal((one.structuredContent as { tools: Array<{ name: string }> }).tools[0].name, 'many__t19999');
      assert.equal((one.structuredContent as { omitted?: number }).omitted, undefined);
    } finally {
      await close();
      await manager.close();
    }
  });

  it('regression: a subscriptions/listen of many resources opens one upstream listen, not one per resource each naming all; past the session bound it is refused', async () => {
    const { manager, server } = await countingGateway();
    let acknowledged: (() => void) | undefined;
    const { client, close } = await connectInMemory(server, {
      onNotification: (notification) => notification.method === 'notifications/subscriptions/acknowledged' && acknowledged?.(),
    });
    const listens = async () => textOf(await client.callTool('up__listens', {}));
    try {
      assert.equal(await listens(), '1 0', 'the gateway listens once when it connects');
      const COUNT = 256;
      const uris = Array.from({ length: COUNT }, (_, i) => `x://up__r${i}`);
      // Acknowledged once the gateway follows them, and has asked the upstream to.
      const followed = new Promise<void>((resolve) => (acknowledged = resolve));
      const caller = new AbortController();
      const listening = client.request('subscriptions/listen', { notifications: { resourceSubscriptions: uris } }, { timeoutMs: 0, signal: caller.signal }).catch(() => undefined);
      await followed;
      assert.equal(manager.health().upstreams[0].subscriptions, COUNT);
      // Was: 257 listens naming 32,896 URIs in all (one per URI, each naming every URI so far).
      assert.equal(await listens(), `2 ${COUNT}`);
      caller.abort();
      await listening;
      // The gateway lets go of them once it hears of the cancellation.
      while (manager.health().upstreams[0].subscriptions !== 0) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(await listens(), `3 ${COUNT}`, 'and one more, naming none, once it ends');
      // One listen may not take every resource an upstream follows for all callers.
      await assert.rejects(
        client.request('subscriptions/listen', { notifications: { resourceSubscriptions: [...uris, 'x://up__one_more'] } }, { timeoutMs: 10_000 }),
        /names 257 resources; one listen may follow at most 256/,
      );
      assert.equal(manager.health().upstreams[0].subscriptions, 0);
    } finally {
      await close();
      await manager.close();
    }
  });

  it('regression: one client cannot take every resource an upstream follows: past its share of 256 (over all its sessions and listens) it is refused, and other clients still follow', async () => {
    const { manager, server } = await countingGateway();
    const clients: McpClient[] = [];
    /** A caller whose requests count as those of `key` (its address, as the HTTP transport sees it). */
    const callerAs = async (key: string, era: 'legacy' | 'modern', onNotification?: (method: string) => void) => {
      const [clientSide, serverSide] = InMemoryTransport.createPair();
      new ServerConnection(server, serverSide, { client: key }).start();
      const client = new McpClient({ name: 'caller', version: '1.0.0', era, onNotification: (notification) => onNotification?.(notification.method) });
      await client.connect(clientSide);
      clients.push(client);
      return client;
    };
    const followed = () => manager.health().upstreams[0].subscriptions;
    const uris = (from: number, count: number) => Array.from({ length: count }, (_, i) => `x://up__r${from + i}`);
    /** A listen of `key`'s, open once acknowledged; `stop` ends it. */
    const listenAs = async (key: string, names: string[]) => {
      let acknowledged!: () => void;
      const open = new Promise<void>((resolve) => (acknowledged = resolve));
      const client = await callerAs(key, 'modern', (method) => method === 'notifications/subscriptions/acknowledged' && acknowledged());
      const stop = new AbortController();
      const ended = client.request('subscriptions/listen', { notifications: { resourceSubscriptions: names } }, { timeoutMs: 0, signal: stop.signal });
      await Promise.race([open, ended.catch(() => undefined)]);
      return { ended, stop: () => stop.abort() };
    };
    try {
      const [first, second] = [await callerAs('203.0.113.1', 'legacy'), await callerAs('203.0.113.1', 'legacy')];
      for (const uri of uris(0, 200)) await first.request('resources/subscribe', { uri });
      // Shared by its two sessions: counted once.
      await second.request('resources/subscribe', { uri: 'x://up__r0' });
      for (const uri of uris(200, 56)) await second.request('resources/subscribe', { uri });
      assert.equal(followed(), 256);
      // Was: taken, and a few such clients left every other one's subscriptions followed by no one.
      await assert.rejects(second.request('resources/subscribe', { uri: 'x://up__r256' }), (error: Error & { code?: number }) => {
        assert.equal(error.code, -32602);
        assert.match(error.message, /this client already follows 256 resources of upstream "up", the most one client may \(the upstream follows at most 1000/);
        return true;
      });
      assert.equal(followed(), 256);
      // Refused, so not kept in the session either: unsubscribing it changes nothing.
      await second.request('resources/unsubscribe', { uri: 'x://up__r256' });
      assert.equal(followed(), 256);
      // Another client's listen counts against its own share.
      const other = await listenAs('203.0.113.2', uris(1000, 256));
      const third = await listenAs('203.0.113.3', uris(2000, 256));
      assert.equal(followed(), 768);
      // A listen past the upstream's bound is refused whole, following nothing.
      const fourth = await listenAs('203.0.113.4', uris(3000, 256));
      await assert.rejects(fourth.ended, /upstream "up" already follows 1000 resources for the gateway's clients, the most it may/);
      assert.equal(followed(), 768);
      // Resources others follow cost the upstream nothing more.
      const sharing = await listenAs('203.0.113.4', [...uris(0, 100), ...uris(1000, 100), ...uris(3000, 56)]);
      assert.equal(followed(), 824);
      // A client's share is freed as its follows end: its session unsubscribing, a listen ending.
      await first.request('resources/unsubscribe', { uri: 'x://up__r1' });
      await second.request('resources/subscribe', { uri: 'x://up__r256' });
      for (const listen of [other, third, sharing]) {
        listen.stop();
        await listen.ended.catch(() => undefined);
      }
      while (followed() !== 256) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      for (const client of clients) await client.close();
      await manager.close();
    }
  });
});
