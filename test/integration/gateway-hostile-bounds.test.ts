/**
 * What an upstream can make a gateway hold, or do, without end: a real `mcp-core serve`
 * process in front of test/fixtures/hostile-upstream.ts (raw JSON-RPC over stdio) and the
 * well-behaved fixture. The gateway's memory is read from /proc (Linux) and its service to
 * another caller is checked meanwhile.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { fixture, scratch, textOf, writeConfig } from '../helpers/gateway.ts';
import { memoryOf } from '../helpers/memory.ts';
import { waitForExit } from '../helpers/pids.ts';
import { children, CLI, ROOT, startUrlServer, type RunningServer } from '../helpers/processes.ts';

const HOSTILE = join(ROOT, 'test/fixtures/hostile-upstream.ts');
const MIB = 1024 * 1024;

/**
 * `mcp-core serve` over HTTP in front of the hostile upstream (started with `args`) and the
 * fixture. `quiet`: its stderr (and so the upstreams') goes to /dev/null, not to the test.
 */
async function startGateway(args: string[] = [], quiet = false): Promise<RunningServer> {
  const config = await writeConfig(await scratch(), {
    mcpServers: { hostile: { command: process.execPath, args: [HOSTILE, ...args], era: 'legacy' }, good: fixture() },
    gateway: { watch: false },
  });
  const serve = [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0'];
  // exec: the shell becomes the gateway, so its pid is the gateway's.
  if (quiet) return startUrlServer('sh', ['-c', 'exec "$0" "$@" 2>/dev/null', process.execPath, ...serve]);
  return startUrlServer(process.execPath, serve);
}

/**
 * Calls the fixture through the gateway, back to back, until `done` settles; returns how many
 * calls were answered meanwhile and the slowest.
 */
async function serveOthersUntil(url: string, done: Promise<unknown>): Promise<{ calls: number; slowestMs: number }> {
  const other = await caller(url);
  let over = false;
  void done.then(() => (over = true), () => (over = true));
  let calls = 0;
  let slowestMs = 0;
  try {
    while (!over) {
      const started = performance.now();
      assert.equal(textOf(await other.callTool('good__echo', { text: `call ${calls}` })), `call ${calls}`);
      slowestMs = Math.max(slowestMs, performance.now() - started);
      calls++;
    }
    await done;
    return { calls, slowestMs };
  } finally {
    await other.close();
  }
}

/** Resolves with what the process wrote to stderr once `done` holds for it; rejects after 60 s. */
function stderrWhen(server: RunningServer, done: (stderr: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done(server.stderr())) return;
      clearTimeout(timer);
      server.process.stderr!.off('data', check);
      resolve(server.stderr());
    };
    const timer = setTimeout(() => {
      server.process.stderr!.off('data', check);
      reject(new Error(`not on stderr after 60 s: ${server.stderr().slice(-2000)}`));
    }, 60_000);
    // After the server's own listener (registered first), which keeps what it wrote so far.
    server.process.stderr!.on('data', check);
    check();
  });
}

/** Bytes of the hostile upstream's stderr the gateway copied (its lines, without their prefix). */
function copiedOf(stderr: string): number {
  let copied = 0;
  for (const line of stderr.split('\n')) if (line.startsWith('[hostile] e')) copied += line.length - '[hostile] '.length + 1;
  return copied;
}

/** Bytes of the hostile upstream's stderr the gateway dropped, by its reports so far. */
function droppedOf(stderr: string): number {
  let dropped = 0;
  for (const found of stderr.matchAll(/^mcp-core: \[hostile\] stderr: (\d+) bytes .* dropped in \d+ s, over its budget of 64\.0 KiB\/s \(burst 1\.0 MiB\)$/gm)) dropped += Number(found[1]);
  return dropped;
}

async function caller(url: string): Promise<McpClient> {
  const client = new McpClient({ name: 'caller', version: '1.0.0' });
  await client.connect(new StreamableHttpClientTransport(url));
  return client;
}

describe('a hostile upstream cannot make the gateway hold without bound', { timeout: 300_000 }, () => {
  it('regression: tools/list pages of 2 MiB without end are given up at 64 MiB, not held for a thousand pages', { timeout: 120_000 }, async (t) => {
    // The gateway lists at start: it answers once the hostile listing has ended one way or the other.
    const gateway = await startGateway(['--pages', String(2 * MIB)]);
    const client = await caller(gateway.url);
    try {
      const { peak } = await memoryOf(gateway.process.pid!);
      t.diagnostic(`the gateway's resident set peaked at ${Math.round(peak / MIB)} MiB`);
      // Was: every page was kept until the thousandth, 2 GiB and more (or the gateway died of it).
      assert.ok(peak < 600 * MIB, `the gateway's resident set peaked at ${Math.round(peak / MIB)} MiB`);
      const names = (await client.listTools()).map((tool) => tool.name);
      assert.ok(names.includes('good__echo'), names.join());
      assert.ok(!names.some((name) => name.startsWith('hostile__')), 'the hostile upstream lists no tools');
      assert.equal(textOf(await client.callTool('good__echo', { text: 'still here' })), 'still here');
    } finally {
      await client.close();
      await gateway.stop();
    }
  });

  it('an upstream writing 512 MiB to stderr: the gateway reads it all, holding only its end, and serves another caller meanwhile', { timeout: 120_000 }, async (t) => {
    const gateway = await startGateway([], true);
    const client = await caller(gateway.url);
    try {
      const before = (await memoryOf(gateway.process.pid!)).rss;
      const BYTES = 512 * MIB;
      // The upstream answers once the gateway has read all but what the pipe holds.
      const flood = client.callTool('hostile__flood_stderr', { bytes: BYTES }, { timeoutMs: 110_000 });
      const { calls, slowestMs } = await serveOthersUntil(gateway.url, flood);
      assert.equal(textOf(await flood), `flooded ${BYTES}`);
      const growth = (await memoryOf(gateway.process.pid!)).peak - before;
      t.diagnostic(`RSS +${Math.round(growth / MIB)} MiB for ${BYTES / MIB} MiB of stderr; ${calls} other calls meanwhile, the slowest ${Math.round(slowestMs)} ms`);
      // Holding what was read would take more than the flood itself.
      assert.ok(growth < BYTES / 2, `the gateway's resident set grew by ${Math.round(growth / MIB)} MiB`);
    } finally {
      await client.close();
      await gateway.stop();
    }
  });

  it('regression: an upstream flooding its stderr gets its budget of the gateway\'s log (1 MiB at once, then 64 KiB/s), the rest dropped and counted in a line that says so', { timeout: 120_000 }, async (t) => {
    const gateway = await startGateway();
    const client = await caller(gateway.url);
    try {
      const BYTES = 80 * 800_000;
      const started = performance.now();
      // In lines of 80 bytes: copied line by line, 500 MiB of such lines took the gateway 0.8 s of CPU (13 s in lines of 2 bytes).
      assert.equal(textOf(await client.callTool('hostile__flood_stderr', { bytes: BYTES, line: 80 }, { timeoutMs: 110_000 })), `flooded ${BYTES}`);
      // Was: every line copied, and no report (this waited in vain). The report comes within 10 s of the first drop.
      const stderr = await stderrWhen(gateway, (text) => droppedOf(text) + copiedOf(text) >= BYTES);
      const seconds = (performance.now() - started) / 1000;
      const copied = copiedOf(stderr);
      t.diagnostic(`${copied} bytes copied, ${droppedOf(stderr)} dropped, in ${seconds.toFixed(1)} s`);
      assert.equal(copied + droppedOf(stderr), BYTES, 'every byte is copied or counted as dropped');
      assert.ok(copied <= MIB + 64 * 1024 * seconds, `${copied} bytes copied in ${seconds} s`);
      // The gateway's own line is still whole after it.
      await client.callTool('hostile__write_stderr', { text: 'after the flood\n' });
    } finally {
      await client.close();
      await gateway.stop();
    }
  });

  it('regression: control characters an upstream writes to stderr (escape sequences, carriage returns) reach the gateway\'s as visible text, never raw', { timeout: 60_000 }, async () => {
    const gateway = await startGateway();
    const client = await caller(gateway.url);
    try {
      // Sets the terminal's title, clears its screen, and writes over the prefix with a record of its own.
      await client.callTool('hostile__write_stderr', { text: '\x1b]0;owned\x07\x1b[2J\r{"level":60,"msg":"forged"}\u009b2J\n' });
      const stderr = await stderrWhen(gateway, (text) => text.includes('owned'));
      assert.ok(!/[\x1b\x07\r\u009b]/.test(stderr), JSON.stringify(stderr));
      assert.ok(stderr.includes('[hostile] \\x1b]0;owned\\x07\\x1b[2J\\r{"level":60,"msg":"forged"}\\x9b2J\n'), stderr);
    } finally {
      await client.close();
      await gateway.stop();
    }
  });

  it('requests from an upstream, 20,000 of each kind (ping, roots/list, elicitation/create, sampling/createMessage, an unknown method), are each answered while another caller is served', { timeout: 120_000 }, async (t) => {
    const gateway = await startGateway();
    // A caller that declares no capability: the questions the upstream asks within its call are refused.
    const client = await caller(gateway.url);
    try {
      const before = (await memoryOf(gateway.process.pid!)).rss;
      const COUNT = 20_000;
      const methods = ['ping', 'roots/list', 'elicitation/create', 'sampling/createMessage', 'no/such/method'];
      let answers = '';
      const flood = (async () => {
        for (const method of methods) await client.callTool('hostile__flood_requests', { method, count: COUNT });
        // The answers come back on the upstream's stdin, in no set order with its other input: asked until all are in.
        const all = `${methods.length * COUNT} answered`;
        while (!(answers = textOf(await client.callTool('hostile__answers', {}))).startsWith(all)) await new Promise((resolve) => setImmediate(resolve));
      })();
      const { calls } = await serveOthersUntil(gateway.url, flood);
      // Only the pings are answered with a result.
      assert.equal(answers, `${methods.length * COUNT} answered, ${(methods.length - 1) * COUNT} errors`);
      // Measured, not asserted: the garbage of answering them (tens of MiB) outweighs the requests themselves.
      const growth = (await memoryOf(gateway.process.pid!)).peak - before;
      t.diagnostic(`RSS +${Math.round(growth / MIB)} MiB for ${methods.length * COUNT} requests; ${calls} other calls meanwhile`);
    } finally {
      await client.close();
      await gateway.stop();
    }
  });

  it('an upstream that ignores SIGTERM and the end of its input is killed when the gateway stops: nothing is left behind', { timeout: 60_000 }, async (t) => {
    const gateway = await startGateway(['--ignore-sigterm']);
    const upstreams = await children(gateway.process.pid!);
    assert.equal(upstreams.length, 2, `the gateway's children: ${upstreams.join()}`);
    const started = performance.now();
    await gateway.stop();
    await waitForExit(upstreams, 30_000);
    t.diagnostic(`every upstream gone ${Math.round(performance.now() - started)} ms after the gateway's SIGTERM`);
    assert.match(gateway.stderr(), /hostile: ignoring SIGTERM/);
  });

  it('regression: an upstream\'s stderr can neither pass for a line of the gateway\'s log nor run into one', { timeout: 60_000 }, async () => {
    const gateway = await startGateway();
    const client = await caller(gateway.url);
    const FORGED = JSON.stringify({ level: 60, msg: 'forged by the upstream' });
    try {
      // A record of its own making, then a line it leaves without its newline.
      await client.callTool('hostile__write_stderr', { text: `${FORGED}\nhalf a line` });
    } finally {
      await client.close();
      // The gateway writes a line of its own when it stops, while the half line waits.
      await gateway.stop();
    }
    const lines = gateway.stderr().split('\n');
    assert.ok(!lines.includes(FORGED), 'the forged record stands as a line of the gateway\'s log');
    assert.ok(lines.includes(`[hostile] ${FORGED}`), lines.join('\n'));
    // Glued to the half line, the gateway's own line could not be read (nor found).
    const own = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg?: string });
    assert.ok(own.some((record) => /shutting down/.test(record.msg ?? '')), lines.join('\n'));
  });
});
