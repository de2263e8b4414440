/**
 * What an upstream can make a gateway hold, or do, without end: a real `mcp-core serve`
 * process in front of test/fixtures/hostile-upstream.ts (raw JSON-RPC over stdio) and the
 * well-behaved fixture. The gateway's memory is read from /proc (Linux) and its service to
 * another caller is checked meanwhile.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { fixture, scratch, textOf, writeConfig } from '../helpers/gateway.ts';
import { CLI, ROOT, startUrlServer, type RunningServer } from '../helpers/processes.ts';

const HOSTILE = join(ROOT, 'test/fixtures/hostile-upstream.ts');
const MIB = 1024 * 1024;

/** `mcp-core serve` over HTTP in front of the hostile upstream (started with `args`) and the fixture. */
async function startGateway(args: string[] = []): Promise<RunningServer> {
  const config = await writeConfig(await scratch(), {
    mcpServers: { hostile: { command: process.execPath, args: [HOSTILE, ...args], era: 'legacy' }, good: fixture() },
    gateway: { watch: false },
  });
  return startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
}

/** A process's resident set now and at its peak. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
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
});
