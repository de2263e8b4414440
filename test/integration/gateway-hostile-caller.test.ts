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
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
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
server.method('subscriptions/listen', (core, params, ctx) => {
  listens++;
  uris += params.notifications?.resourceSubscriptions?.length ?? 0;
  return listen(core, params, ctx, never);
}, { era: Era.Modern });
server.tool('listens', {}, () => listens + ' ' + uris);
new ServerConnection(server, new StdioServerTransport(), { onClose: () => process.exit(0) }).start();
`;
}

describe('a hostile caller of the gateway', { timeout: 60_000 }, () => {
  it('regression: a subscriptions/listen of many resources opens one upstream listen, not one per resource each naming all; past the session bound it is refused', async () => {
    const script = join(await scratch(), 'counting-server.ts');
    await writeFile(script, countingServer());
    const manager = new McpManager({ mcpServers: { up: { command: process.execPath, args: [script] } } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
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
});
