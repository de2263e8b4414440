/**
 * Reloads on a bad day: a `mcp-core serve` gateway process whose config file is replaced by
 * what an operator's mistake or a hostile writer leaves there (a deep document, a key twice, a
 * FIFO, a huge file, an absurd breaker), SIGHUP storms, an upstream that cannot start, one
 * removed under a call. The gateway lives, says why on stderr, keeps the upstreams it had and
 * the calls in flight to them, and leaves no process behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { appears } from '../helpers/files.ts';
import { fixture, scratch, textOf, writeConfig } from '../helpers/gateway.ts';
import { waitForExit } from '../helpers/pids.ts';
import { children, CLI, startUrlServer, type RunningServer } from '../helpers/processes.ts';
import { eventually } from '../helpers/scale.ts';

/** A gateway over HTTP on `configs` (SIGHUP reloads them), with a client connected to it. */
async function startGateway(configs: string | string[], nodeOptions: string[] = []) {
  const files = (typeof configs === 'string' ? [configs] : configs).flatMap((config) => ['--config', config]);
  const server = await startUrlServer(process.execPath, [...nodeOptions, CLI, 'serve', ...files, '--http', '127.0.0.1:0']);
  const client = new McpClient({ name: 'reload-hostile-test', version: '1.0.0', era: 'legacy' });
  await client.connect(new StreamableHttpClientTransport(server.url));
  return { server, client, stop: async () => void (await client.close(), await server.stop()) };
}

/** Sends SIGHUP and resolves with the message of the reload's line on stderr (reloaded, or not). */
async function reloadOnce(server: RunningServer): Promise<string> {
  const from = server.stderr().length;
  server.process.kill('SIGHUP');
  return stderrLine(server, /^configuration (not )?reloaded/, from);
}

/**
 * The message of the first log line past `from` on the server's stderr whose message matches
 * `pattern`; rejects after 30 s.
 */
function stderrLine(server: RunningServer, pattern: RegExp, from = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const lines = server.stderr().slice(from).split('\n').slice(0, -1).filter((line) => line.startsWith('{"level"'));
      const found = lines.map((line) => (JSON.parse(line) as { msg: string }).msg).find((message) => pattern.test(message));
      if (found === undefined) return;
      clearTimeout(timer);
      server.process.stderr!.off('data', check);
      resolve(found);
    };
    const timer = setTimeout(() => {
      server.process.stderr!.off('data', check);
      reject(new Error(`no ${pattern} on stderr after 30 s: ${server.stderr().slice(from)}`));
    }, 30_000);
    server.process.stderr!.on('data', check);
    check();
  });
}

const a = fixture(['--name', 'a']);

describe('a gateway reloading hostile config files', () => {
  it('regression: refuses each with a message naming the problem, keeps serving, and finishes the call in flight to an unchanged upstream (a deep document was a RangeError naming nothing, a key twice was taken silently, a FIFO hung every reload after it, a huge file was read whole)', { timeout: 120_000 }, async () => {
    const dir = await scratch();
    const good = { mcpServers: { a }, gateway: { watch: false } };
    const config = await writeConfig(dir, good);
    const gateway = await startGateway(config);
    try {
      const kids = await children(gateway.server.process.pid!);
      const inFlight = gateway.client.callTool('a__slow', { ms: 3000 });
      inFlight.catch(() => undefined);
      const deep = `{"mcpServers":{"a":${JSON.stringify(a)}},"gateway":{"watch":false},"server":${'{"x":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
      const twice = `{"mcpServers":{"a":${JSON.stringify(a)},"a":{"command":"evil"}},"gateway":{"watch":false}}`;
      const huge = JSON.stringify(good) + ' '.repeat(5 * 1024 * 1024);
      const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
        ['truncated', () => writeFile(config, '{"mcpServers": {"a":'), /is not valid JSON/],
        ['deep', () => writeFile(config, deep), /gateway\.json nests deeper than 64 levels/],
        ['twice', () => writeFile(config, twice), /gateway\.json has the key "a" twice in mcpServers/],
        ['huge', () => writeFile(config, huge), /gateway\.json: larger than 4194304 bytes/],
        ['deleted', () => unlink(config), /Cannot read config file .*ENOENT/],
        ['directory', () => mkdir(config), /Cannot read config file .*EISDIR/],
        ['fifo', () => rm(config, { recursive: true }).then(() => execFileSync('mkfifo', [config])), /gateway\.json is a FIFO or socket, which a reload would wait on for ever/],
      ];
      for (const [name, replace, says] of cases) {
        await replace();
        const line = await reloadOnce(gateway.server);
        assert.match(line, /configuration not reloaded, the running one stays/, name);
        assert.match(line, says, name);
        assert.equal(textOf(await gateway.client.callTool('a__echo', { text: name })), name);
        assert.deepEqual(await children(gateway.server.process.pid!), kids, name);
      }
      assert.equal(textOf(await inFlight), 'slept 3000');
      await rm(config);
      await writeConfig(dir, { ...good, mcpServers: { a, b: fixture(['--name', 'b']) } });
      assert.match(await reloadOnce(gateway.server), /configuration reloaded: added b/);
      assert.equal(textOf(await gateway.client.callTool('b__echo', { text: 'after' })), 'after');
    } finally {
      await gateway.stop();
    }
  });

  it('regression: a YAML file caught empty (truncated by an editor writing in place) is refused; it read as no settings, and the reload stopped every upstream. An override empty from the start is no mistake', { timeout: 60_000 }, async () => {
    const dir = await scratch();
    const config = join(dir, 'gateway.yaml');
    const yaml = `gateway:\n  watch: false\nmcpServers:\n  a: ${JSON.stringify(a)}\n`;
    await writeFile(config, yaml);
    const override = join(dir, 'local.yaml');
    await writeFile(override, '');
    const gateway = await startGateway([config, override]);
    try {
      const kids = await children(gateway.server.process.pid!);
      await writeFile(config, '');
      assert.match(await reloadOnce(gateway.server), /configuration not reloaded, the running one stays: Config file .*gateway\.yaml is empty/);
      assert.deepEqual(await children(gateway.server.process.pid!), kids);
      assert.equal(textOf(await gateway.client.callTool('a__echo', { text: 'kept' })), 'kept');
      await writeFile(config, `${yaml}  b: ${JSON.stringify(fixture(['--name', 'b']))}\n`);
      assert.match(await reloadOnce(gateway.server), /configuration reloaded: added b/);
    } finally {
      await gateway.stop();
    }
  });

  it('regression: an absurd breaker is refused naming the setting (a window of 300,000,000 calls ran the gateway out of memory and killed it; a failureRate of 1 was refused in cockatiel\'s words, naming no setting)', { timeout: 60_000 }, async () => {
    const dir = await scratch();
    const config = await writeConfig(dir, { mcpServers: { a }, gateway: { watch: false } });
    // A small heap: the window's slots would take gigabytes, and the process dies at once.
    const gateway = await startGateway(config, ['--max-old-space-size=128']);
    try {
      for (const [breaker, says] of [
        [{ failureRate: 0.5, window: 300_000_000 }, /mcpServers\.b\.breaker\.window is 300000000; expected an integer from 2 to 10000/],
        [{ failureRate: 1 }, /mcpServers\.b\.breaker\.failureRate is 1; expected a number > 0 and < 1/],
      ] as const) {
        await writeConfig(dir, { mcpServers: { a, b: fixture(['--name', 'b'], { breaker }) }, gateway: { watch: false } });
        assert.match(await reloadOnce(gateway.server), says);
        assert.equal(gateway.server.process.exitCode, null);
        assert.equal(textOf(await gateway.client.callTool('a__echo', { text: 'alive' })), 'alive');
      }
    } finally {
      await gateway.stop();
    }
  });

  it('regression: a storm of SIGHUPs during a reload comes to one reload after it, not one per signal (each queued a reload of its own, run one after another)', { timeout: 60_000 }, async () => {
    const dir = await scratch();
    const config = await writeConfig(dir, { mcpServers: { a }, gateway: { watch: false } });
    const gateway = await startGateway(config);
    try {
      const from = gateway.server.stderr().length;
      // h holds its handshake until `go` exists: the reload adding it waits for it meanwhile.
      const starts = join(dir, 'starts');
      const go = join(dir, 'go');
      const h = fixture(['--name', 'h', '--starts', starts, '--hold-until', go], { connectTimeoutMs: 60_000 });
      await writeConfig(dir, { mcpServers: { a, h }, gateway: { watch: false } });
      gateway.server.process.kill('SIGHUP');
      await appears(starts);
      // Apart, so that each is a signal of its own (signals sent at once merge into one).
      for (let i = 0; i < 50; i++) {
        gateway.server.process.kill('SIGHUP');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await writeFile(go, '');
      await stderrLine(gateway.server, /^configuration reloaded: added h/, from);
      await stderrLine(gateway.server, /^configuration reloaded \(no change to upstreams\)/, from);
      // Written aside and renamed over: a reload reading it half-written would fail.
      await rename(await writeConfig(dir, { mcpServers: { a, h, c: fixture(['--name', 'c']) }, gateway: { watch: false } }, 'next.json'), config);
      // Once c is added, every signal before it has been answered.
      assert.match(await reloadOnce(gateway.server), /added c/);
      const reloads = gateway.server.stderr().slice(from).match(/configuration (not )?reloaded/g)!.length;
      assert.equal(reloads, 3, `${reloads} reloads: h, one for the 50 signals, c`);
      assert.equal(textOf(await gateway.client.callTool('h__echo', { text: 'h' })), 'h');
    } finally {
      await gateway.stop();
    }
  });
});

describe('upstreams changed by a reload', () => {
  it('regression: one added that cannot start is said to be not connected, with why (the reload said "added b" and nothing more); the others serve on', { timeout: 60_000 }, async () => {
    const dir = await scratch();
    const config = await writeConfig(dir, { mcpServers: { a }, gateway: { watch: false } });
    const gateway = await startGateway(config);
    try {
      const from = gateway.server.stderr().length;
      await writeConfig(dir, { mcpServers: { a, b: { command: join(dir, 'no-such-command') } }, gateway: { watch: false } });
      assert.match(await reloadOnce(gateway.server), /configuration reloaded: added b/);
      assert.match(await stderrLine(gateway.server, /^b is not connected: /, from), /b is not connected: .*ENOENT/);
      await writeConfig(dir, { mcpServers: { a, b: fixture(['--crash-on-start']) }, gateway: { watch: false } });
      const again = gateway.server.stderr().length;
      assert.match(await reloadOnce(gateway.server), /configuration reloaded: replaced b/);
      assert.match(await stderrLine(gateway.server, /^b is not connected: /, again), /b is not connected: .*(closed|exit)/i);
      assert.equal(textOf(await gateway.client.callTool('a__echo', { text: 'unaffected' })), 'unaffected');
    } finally {
      await gateway.stop();
    }
  });

  it('regression: one removed while a call to it runs past its timeoutMs: the call is told it was removed by a reload (it said "Connection closed"), and its process exits', { timeout: 60_000 }, async () => {
    const dir = await scratch();
    const b = fixture(['--name', 'b'], { timeoutMs: 1000 });
    const config = await writeConfig(dir, { mcpServers: { a, b }, gateway: { watch: false } });
    const gateway = await startGateway(config);
    try {
      const before = await children(gateway.server.process.pid!);
      // Progress every 500 ms keeps it from timing out: it outlives the drain.
      let progressed: () => void;
      const running = new Promise<void>((resolve) => (progressed = resolve));
      const call = gateway.client.callTool('b__slow', { ms: 5000 }, { onProgress: () => progressed() });
      await running;
      await writeConfig(dir, { mcpServers: { a }, gateway: { watch: false } });
      assert.match(await reloadOnce(gateway.server), /configuration reloaded: removed b/);
      const result = await call;
      assert.equal(result.isError, true);
      assert.match(textOf(result), /Upstream "b" is unavailable \(dead\): removed from the configuration by a reload; its calls in flight had its timeoutMs \(1000 ms\) to finish/);
      // b's process exits, maybe a moment after its call was answered; a's stays.
      const parent = gateway.server.process.pid!;
      const after = await eventually(
        "b's process to exit",
        async () => {
          const pids = await children(parent);
          return pids.length < before.length ? pids : undefined;
        },
        10_000,
      );
      assert.equal(after.length, before.length - 1);
      await waitForExit(before.filter((pid) => !after.includes(pid)));
    } finally {
      await gateway.stop();
    }
  });

  it('regression: a manager closed takes no new configuration (a reload then, a SIGHUP during shutdown, started upstreams nothing would stop)', async () => {
    const manager = new McpManager({ mcpServers: { a } });
    await manager.start();
    await manager.close();
    const before = await children(process.pid);
    await assert.rejects(manager.reload({ mcpServers: { a, b: fixture(['--name', 'b']) } }), /The manager is closed/);
    assert.deepEqual(await children(process.pid), before);
    assert.equal(manager.upstream('b'), undefined);
  });
});
