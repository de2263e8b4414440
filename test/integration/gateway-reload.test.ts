/**
 * The gateway's hot reload (file change and SIGHUP) under a connected client and a call in
 * flight; callTools with bounded concurrency; the bounded table of upstream
 * calls waiting for a 2026-07-28 caller's answer.
 */
import assert from 'node:assert/strict';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager, type BatchItem } from '../../src/manager/manager.ts';
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { modern } from '../helpers/exchange.ts';
import { appears } from '../helpers/files.ts';
import { fixture, scratch, textOf, waitForUpstream, writeConfig } from '../helpers/gateway.ts';
import { waitForExit } from '../helpers/pids.ts';
import { children, CLI, startUrlServer, type RunningServer } from '../helpers/processes.ts';

/** A client of the gateway that resolves `changed()` at the next tools/list_changed. */
async function listeningClient(url: string, era: 'modern' | 'legacy') {
  let wake: (() => void) | undefined;
  const client = new McpClient({
    name: 'reload-test',
    version: '1.0.0',
    era,
    onNotification: (notification: JsonRpcNotification) => {
      if (notification.method === 'notifications/tools/list_changed') wake?.();
    },
  });
  await client.connect(new StreamableHttpClientTransport(url));
  if (era === 'modern') {
    // Modern clients hear of changes on a subscriptions/listen request kept open.
    void client.request('subscriptions/listen', { notifications: { toolsListChanged: true } }, { timeoutMs: 0 }).catch(() => undefined);
  }
  return { client, changed: () => new Promise<void>((resolve) => (wake = resolve)) };
}

const names = async (client: McpClient) => (await client.listTools()).map((tool) => tool.name);

/** Resolves once the server has written a line matching `pattern` to stderr; rejects after 30 s. */
function stderrLine(server: RunningServer, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(server.stderr())) return;
      clearTimeout(timer);
      server.process.stderr!.off('data', check);
      resolve();
    };
    const timer = setTimeout(() => {
      server.process.stderr!.off('data', check);
      reject(new Error(`no ${pattern} on stderr after 30 s: ${server.stderr()}`));
    }, 30_000);
    // After the server's own listener (registered first), which keeps what it wrote so far.
    server.process.stderr!.on('data', check);
    check();
  });
}

describe('gateway hot reload', () => {
  it('a changed config file adds and removes upstreams; a call in flight to an unchanged one completes', async () => {
    const dir = await scratch();
    const a = fixture(['--name', 'a']);
    const config = await writeConfig(dir, { mcpServers: { a } });
    const gateway = await startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
    const legacy = await listeningClient(gateway.url, 'legacy');
    const modernClient = await listeningClient(gateway.url, 'modern');
    try {
      assert.ok((await names(legacy.client)).includes('a__echo'));
      const inFlight = legacy.client.callTool('a__slow', { ms: 1500 });
      // Wait until the call runs upstream before the reload.
      await new Promise<void>((resolve) => void legacy.client.callTool('a__slow', { ms: 10 }, { onProgress: () => resolve() }));
      let changes = Promise.all([legacy.changed(), modernClient.changed()]);
      await writeConfig(dir, { mcpServers: { a, b: fixture(['--name', 'b']) } });
      await changes;
      for (const client of [legacy.client, modernClient.client]) {
        const listed = await names(client);
        assert.ok(listed.includes('a__echo') && listed.includes('b__echo'), listed.join(', '));
      }
      assert.equal(textOf(await legacy.client.callTool('b__echo', { text: 'new' })), 'new');
      assert.equal(textOf(await inFlight), 'slept 1500');
      const [before] = await children(gateway.process.pid!).then((pids) => pids.slice(-1));
      changes = Promise.all([legacy.changed(), modernClient.changed()]);
      await writeConfig(dir, { mcpServers: { a } });
      await changes;
      assert.ok(!(await names(legacy.client)).includes('b__echo'));
      await waitForExit([before]);
    } finally {
      await legacy.client.close();
      await modernClient.client.close();
      await gateway.stop();
    }
  });

  it('regression: a config file changed after it was read and before the watch began (while the upstreams start) is reloaded', async () => {
    const dir = await scratch();
    const starts = join(dir, 'starts');
    const go = join(dir, 'go');
    // `a` starts, then holds its handshake until `go` exists: meanwhile the gateway has read
    // its config and waits for its upstreams, and watches nothing yet.
    const a = fixture(['--name', 'a', '--starts', starts, '--hold-until', go], { connectTimeoutMs: 60_000 });
    const config = await writeConfig(dir, { mcpServers: { a } });
    const starting = startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
    await appears(starts);
    await writeConfig(dir, { mcpServers: { a, b: fixture(['--name', 'b']) } });
    await writeFile(go, '');
    const gateway = await starting;
    const client = new McpClient({ name: 'reload-test', version: '1.0.0' });
    try {
      // The edit raised no event (nothing watched yet): it was missed until the next edit or SIGHUP.
      await stderrLine(gateway, /configuration reloaded: added b/);
      await client.connect(new StreamableHttpClientTransport(gateway.url));
      assert.equal(textOf(await client.callTool('b__echo', { text: 'picked up' })), 'picked up');
    } finally {
      await client.close();
      await gateway.stop();
    }
  });

  it('regression: a config file behind symbolic links is reloaded when they are replaced, as Kubernetes updates a ConfigMap', async () => {
    // The volume's layout: gateway.json -> ..data/gateway.json, ..data -> a timestamped
    // directory. An update writes a new directory and renames a new ..data link over the old:
    // no event names gateway.json, and the change went unseen until SIGHUP.
    const dir = await scratch();
    const a = fixture(['--name', 'a']);
    await mkdir(join(dir, '..2026_12_04_01'));
    await writeConfig(join(dir, '..2026_12_04_01'), { mcpServers: { a } });
    await symlink('..2026_12_04_01', join(dir, '..data'));
    await symlink('..data/gateway.json', join(dir, 'gateway.json'));
    const gateway = await startUrlServer(process.execPath, [CLI, 'serve', '--config', join(dir, 'gateway.json'), '--http', '127.0.0.1:0']);
    const client = new McpClient({ name: 'reload-test', version: '1.0.0' });
    try {
      await mkdir(join(dir, '..2026_12_04_02'));
      await writeConfig(join(dir, '..2026_12_04_02'), { mcpServers: { a, b: fixture(['--name', 'b']) } });
      await symlink('..2026_12_04_02', join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      await rm(join(dir, '..2026_12_04_01'), { recursive: true });
      await stderrLine(gateway, /configuration reloaded: added b/);
      await client.connect(new StreamableHttpClientTransport(gateway.url));
      assert.equal(textOf(await client.callTool('b__echo', { text: 'picked up' })), 'picked up');
      // Other files of the directory changing is no change of the configuration.
      await writeFile(join(dir, 'unrelated.txt'), 'x');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(gateway.stderr().match(/configuration reloaded/g)?.length, 1, gateway.stderr());
    } finally {
      await client.close();
      await gateway.stop();
    }
  });

  it('SIGHUP reloads; an invalid configuration is refused and the running one stays', async () => {
    const dir = await scratch();
    const a = fixture(['--name', 'a']);
    const config = await writeConfig(dir, { mcpServers: { a }, gateway: { watch: false } });
    const gateway = await startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
    const { client, changed } = await listeningClient(gateway.url, 'legacy');
    try {
      await writeConfig(dir, { mcpServers: { a: { ...a, colour: 'red' } }, gateway: { watch: false } });
      const refused = new Promise<string>((resolve) => {
        let seen = '';
        gateway.process.stderr!.on('data', (chunk: Buffer) => {
          seen += chunk;
          if (/configuration not reloaded/.test(seen)) resolve(seen);
        });
      });
      gateway.process.kill('SIGHUP');
      assert.match(await refused, /configuration not reloaded, the running one stays: .*colour/);
      await writeConfig(dir, { mcpServers: { a, c: fixture(['--name', 'c']) }, gateway: { watch: false } });
      const change = changed();
      gateway.process.kill('SIGHUP');
      await change;
      assert.ok((await names(client)).includes('c__echo'));
      assert.equal(textOf(await client.callTool('a__echo', { text: 'still here' })), 'still here');
    } finally {
      await client.close();
      await gateway.stop();
    }
  });
});

describe('tasks through the gateway', () => {
  it('a call the caller opts in to runs as the upstream\'s task; tasks/get and tasks/cancel reach it', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const tasks = { 'io.modelcontextprotocol/tasks': {} };
    const { client, close } = await connectInMemory(server, { capabilities: { extensions: tasks } });
    const plain = await connectInMemory(server);
    try {
      const tool = (await client.listTools()).find((t) => t.name === 'fx__work') as { execution?: { taskSupport?: string } };
      assert.equal(tool.execution?.taskSupport, 'optional');
      const handle = await client.request('tools/call', { name: 'fx__work', arguments: { ms: 50 } });
      assert.equal(handle.resultType, 'task');
      assert.match(handle.taskId as string, /^fx__/);
      let task = await client.request('tasks/get', { taskId: handle.taskId });
      for (let i = 0; i < 200 && task.status !== 'completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        task = await client.request('tasks/get', { taskId: handle.taskId });
      }
      assert.equal(task.status, 'completed');
      assert.equal(task.taskId, handle.taskId);
      const result = task.result as { content: Array<{ text?: string; uri?: string }> };
      assert.equal(result.content[0].text, 'worked 50');
      assert.equal(result.content[1].uri, 'fixture://fx__info', 'links in the task\'s result are namespaced too');
      const long = await client.request('tools/call', { name: 'fx__work', arguments: { ms: 60_000 } });
      await client.request('tasks/cancel', { taskId: long.taskId });
      assert.equal((await client.request('tasks/get', { taskId: long.taskId })).status, 'cancelled');
      // A caller that did not opt in gets the plain result.
      assert.equal(textOf(await plain.client.callTool('fx__work', { ms: 1 })), 'worked 1');
    } finally {
      await close();
      await plain.close();
      await manager.close();
    }
  });
});

describe('resource updates through the gateway', () => {
  it('a caller of either era that subscribes hears of an upstream\'s resource changes, from upstreams of either era', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture(), fl: fixture([], { era: 'legacy' }) } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const heard = (era: 'modern' | 'legacy') => {
      const uris: string[] = [];
      let wake: (() => void) | undefined;
      const options = {
        era,
        onNotification: (n: JsonRpcNotification) => {
          if (n.method !== 'notifications/resources/updated') return;
          uris.push(n.params?.uri as string);
          wake?.();
        },
      };
      const next = () => new Promise<void>((resolve) => (wake = resolve));
      return { uris, options, next };
    };
    const legacyHeard = heard('legacy');
    const modernHeard = heard('modern');
    const legacy = await connectInMemory(server, legacyHeard.options);
    const modernPair = await connectInMemory(server, modernHeard.options);
    try {
      for (const uri of ['fixture://fx__info', 'fixture://fl__info']) await legacy.client.request('resources/subscribe', { uri });
      void modernPair.client.request('subscriptions/listen', { notifications: { resourceSubscriptions: ['fixture://fl__info'] } }, { timeoutMs: 0 }).catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      let next = legacyHeard.next();
      await legacy.client.callTool('fx__touch', { uri: 'fixture://info' });
      await next;
      assert.deepEqual(legacyHeard.uris, ['fixture://fx__info']);
      const both = Promise.all([legacyHeard.next(), modernHeard.next()]);
      await legacy.client.callTool('fl__touch', { uri: 'fixture://info' });
      await both;
      assert.deepEqual(legacyHeard.uris, ['fixture://fx__info', 'fixture://fl__info']);
      assert.deepEqual(modernHeard.uris, ['fixture://fl__info']);
      await legacy.client.request('resources/unsubscribe', { uri: 'fixture://fx__info' });
      next = legacyHeard.next();
      await legacy.client.callTool('fx__touch', { uri: 'fixture://info' });
      await legacy.client.callTool('fl__touch', { uri: 'fixture://info' });
      await next;
      assert.deepEqual(legacyHeard.uris.slice(2), ['fixture://fl__info'], 'no update for the resource unsubscribed');
    } finally {
      await legacy.close();
      await modernPair.close();
      await manager.close();
    }
  });
});

describe('resource follows across a reload', () => {
  it('regression: an upstream replaced by a reload follows the resources its callers still follow (the new connection was never asked, and their updates stopped without an error)', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const uris: string[] = [];
    let wake: (() => void) | undefined;
    const caller = await connectInMemory(server, {
      era: 'legacy',
      onNotification: (n: JsonRpcNotification) => {
        if (n.method !== 'notifications/resources/updated') return;
        uris.push(n.params?.uri as string);
        wake?.();
      },
    });
    try {
      await caller.client.request('resources/subscribe', { uri: 'fixture://fx__info' });
      // New arguments are a new transport: the upstream is replaced by a new one.
      const report = await manager.reload({ mcpServers: { fx: fixture(['--name', 'replaced']) } });
      assert.deepEqual(report.replaced, ['fx']);
      await waitForUpstream(manager, 'fx', (health) => health.connected);
      assert.equal(manager.health().upstreams[0].subscriptions, 1, 'the new upstream follows what the caller still follows');
      const heard = new Promise<void>((resolve) => (wake = resolve));
      await caller.client.callTool('fx__touch', { uri: 'fixture://info' });
      await heard;
      assert.deepEqual(uris, ['fixture://fx__info']);
    } finally {
      await caller.close();
      await manager.close();
    }
  });
});

describe('resource follows across a reload that changes the separator', () => {
  it('regression: what callers follow under the old names ends, saying the new URIs: a listen with -32602, a 2025 session with a log message; the upstream stops following them, and they follow again under the new names (updates were lost, and the follows never let go of)', { timeout: 60_000 }, async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture(), other: fixture(['--name', 'other']) } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const listener = await serveHttp(server, { host: '127.0.0.1', port: 0 });
    const following = (name: string) => manager.health().upstreams.find((upstream) => upstream.name === name)!.subscriptions;
    const heard: JsonRpcNotification[] = [];
    let wake: (() => void) | undefined;
    const legacy = new McpClient({
      name: 'legacy',
      version: '1.0.0',
      era: 'legacy',
      onNotification: (n: JsonRpcNotification) => {
        if (n.method !== 'notifications/message' && n.method !== 'notifications/resources/updated') return;
        heard.push(n);
        wake?.();
      },
    });
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    const modernClient = new McpClient({ name: 'modern', version: '1.0.0' });
    try {
      await legacy.connect(new StreamableHttpClientTransport(listener.url));
      await modernClient.connect(new StreamableHttpClientTransport(listener.url));
      await legacy.request('resources/subscribe', { uri: 'fixture://fx__info' });
      await legacy.request('resources/subscribe', { uri: 'ui://fx__widget/panel.html' });
      let acknowledged!: () => void;
      const listening = new Promise<void>((resolve) => (acknowledged = resolve));
      const listen = modernClient.request('subscriptions/listen', { notifications: { resourceSubscriptions: ['fixture://other__info'] } }, {
        timeoutMs: 0,
        onNotification: (n: JsonRpcNotification) => n.method === 'notifications/subscriptions/acknowledged' && acknowledged(),
      });
      await listening;
      assert.deepEqual([following('fx'), following('other')], [2, 1]);
      const told = next();
      await manager.reload({ mcpServers: { fx: fixture(), other: fixture(['--name', 'other']) }, gateway: { separator: '.' } });
      await assert.rejects(listen, {
        code: -32602,
        message: 'Subscriptions to resources of the gateway\'s upstreams ended: the gateway\'s name separator changed from "__" to ".", and their URIs with it (fixture://other__info is now fixture://other.info). List resources and listen again with the new URIs.',
        data: { resources: [{ uri: 'fixture://other__info', now: 'fixture://other.info' }] },
      });
      await told;
      assert.deepEqual(heard.map((n) => n.params), [{
        level: 'warning',
        logger: 'mcp-core',
        data: {
          message: 'Subscriptions to resources of the gateway\'s upstreams ended: the gateway\'s name separator changed from "__" to ".", and their URIs with it (fixture://fx__info is now fixture://fx.info). List resources and subscribe again with the new URIs.',
          resources: [{ uri: 'fixture://fx__info', now: 'fixture://fx.info' }, { uri: 'ui://fx__widget/panel.html', now: 'ui://fx.widget/panel.html' }],
        },
      }]);
      assert.deepEqual([following('fx'), following('other')], [0, 0], 'the upstreams no longer follow what nobody follows');
      // The old name is an unknown resource now; unsubscribing from it is harmless.
      await assert.rejects(legacy.request('resources/subscribe', { uri: 'fixture://fx__info' }), { code: -32002 });
      await legacy.request('resources/unsubscribe', { uri: 'fixture://fx__info' });
      await legacy.request('resources/subscribe', { uri: 'fixture://fx.info' });
      assert.equal(following('fx'), 1);
      heard.length = 0;
      const updated = next();
      await legacy.callTool('fx.touch', { uri: 'fixture://info' });
      await updated;
      assert.deepEqual(heard.map((n) => n.params?.uri), ['fixture://fx.info']);
      await legacy.request('resources/unsubscribe', { uri: 'fixture://fx.info' });
      assert.equal(following('fx'), 0);
    } finally {
      await legacy.close();
      await modernClient.close();
      await listener.close();
      await manager.close();
    }
  });
});

describe('resource subscriptions of 2025 sessions that end', () => {
  it('a 2025 session that ends without unsubscribing no longer has the upstream follow its resources', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const following = () => manager.health().upstreams[0].subscriptions;
    const first = await connectInMemory(server, { era: 'legacy' });
    const second = await connectInMemory(server, { era: 'legacy' });
    try {
      await first.client.request('resources/subscribe', { uri: 'fixture://fx__info' });
      await first.client.request('resources/subscribe', { uri: 'fixture://fx__info' });
      await second.client.request('resources/subscribe', { uri: 'fixture://fx__info' });
      await second.client.request('resources/subscribe', { uri: 'ui://fx__widget/panel.html' });
      assert.equal(following(), 2);
      await second.close();
      assert.equal(following(), 1, 'the panel was followed for the session that ended only; the info resource still for the other');
      await first.client.request('resources/unsubscribe', { uri: 'fixture://fx__info' });
      assert.equal(following(), 0);
      await first.client.request('resources/subscribe', { uri: 'fixture://fx__info' });
      assert.equal(following(), 1);
      await first.close();
      assert.equal(following(), 0, 'the last session gone, nothing is followed');
    } finally {
      await first.close();
      await second.close();
      await manager.close();
    }
  });
});

describe('callTools', () => {
  it('runs 1,000 calls at most 8 at once (as the upstream measures) and keeps their order', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() } });
    try {
      const batch: BatchItem[] = Array.from({ length: 1000 }, (_, i) => ({ name: 'fx__concurrency', arguments: { ms: 1, tag: String(i) } }));
      batch[500] = { name: 'fx__missing', arguments: {} };
      const outcomes = await manager.callTools(batch, { concurrency: 8 });
      assert.equal(outcomes.length, 1000);
      let most = 0;
      outcomes.forEach((outcome, i) => {
        if (i === 500) {
          assert.deepEqual(outcome, { error: { code: 'MCP_ERR_INVALID_ARGUMENT', message: 'Unknown tool: fx__missing' } });
          return;
        }
        assert.ok('result' in outcome, JSON.stringify(outcome));
        assert.equal(textOf(outcome.result), String(i));
        most = Math.max(most, (outcome.result.structuredContent as { most: number }).most);
      });
      assert.ok(most <= 8, `the upstream saw ${most} calls at once`);
      assert.ok(most >= 2, `the batch ran concurrently (${most} at once)`);
    } finally {
      await manager.close();
    }
  });
});

describe('calls waiting for a 2026-07-28 caller', () => {
  it('are kept across the retry, and cancelled when the caller never comes back', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture() }, gateway: { inputTimeoutMs: 300 } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    try {
      const capabilities = { elicitation: {} };
      const first = await modern(server, 'tools/call', { name: 'fx__ask', arguments: { question: 'Name?' } }, { capabilities });
      const asked = first.response.result;
      assert.equal(asked.resultType, 'input_required');
      const [key] = Object.keys(asked.inputRequests);
      assert.equal(asked.inputRequests[key].params.message, 'Name?');
      assert.equal(manager.health().pendingInputs, 1);
      const second = await modern(server, 'tools/call', {
        name: 'fx__ask',
        arguments: { question: 'Name?' },
        requestState: asked.requestState,
        inputResponses: { [key]: { action: 'accept', content: { answer: 'Ada' } } },
      }, { capabilities });
      const again = second.response.result;
      assert.equal(again.resultType, 'input_required', 'the upstream asked its second question');
      const [next] = Object.keys(again.inputRequests);
      assert.notEqual(next, key);
      // The caller never answers: the upstream call is dropped after inputTimeoutMs.
      for (let i = 0; i < 100 && manager.health().pendingInputs > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(manager.health().pendingInputs, 0);
      const late = await modern(server, 'tools/call', {
        name: 'fx__ask',
        arguments: { question: 'Name?' },
        requestState: again.requestState,
        inputResponses: { [next]: { action: 'accept', content: { sure: true } } },
      }, { capabilities });
      assert.equal(late.response.error?.code, -32602);
      assert.match(late.response.error?.message, /has ended/);
    } finally {
      await manager.close();
    }
  });

  it('regression: a retry that answers none of the questions is asked them again, in either era of upstream, instead of waiting for answers that never come', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture(), old: fixture([], { era: 'legacy' }) }, gateway: { inputTimeoutMs: 10_000 } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const capabilities = { elicitation: {} };
    // Before, the retry got no answer at all: it fails here rather than at the test's timeout.
    const call = async (name: string, retry: Record<string, unknown> = {}) => {
      const answered = modern(server, 'tools/call', { name, arguments: { question: 'Name?' }, ...retry }, { capabilities });
      const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer to ${name} ${JSON.stringify(retry)} within 10 s`)), 10_000).unref());
      return (await Promise.race([answered, late])).response;
    };
    try {
      for (const name of ['fx__ask', 'old__ask']) {
        const asked = (await call(name)).result;
        assert.equal(asked.resultType, 'input_required', name);
        const [key] = Object.keys(asked.inputRequests);
        for (const inputResponses of [{}, { unasked: { action: 'accept', content: { answer: 'Bob' } } }]) {
          const again = (await call(name, { requestState: asked.requestState, inputResponses })).result;
          assert.equal(again.resultType, 'input_required', `${name}: ${JSON.stringify(again)}`);
          assert.deepEqual(again.inputRequests, asked.inputRequests, name);
          asked.requestState = again.requestState;
        }
        const sure = (await call(name, { requestState: asked.requestState, inputResponses: { [key]: { action: 'accept', content: { answer: 'Ada' } } } })).result;
        assert.equal(sure.resultType, 'input_required', name);
        const [next] = Object.keys(sure.inputRequests);
        assert.equal(sure.inputRequests[next].params.message, 'Sure?');
        const done = await call(name, { requestState: sure.requestState, inputResponses: { [next]: { action: 'accept', content: { sure: true } } } });
        assert.equal(textOf(done.result), 'Ada (sure: true)', name);
      }
      assert.equal(manager.health().pendingInputs, 0);
    } finally {
      await manager.close();
    }
  });
});
