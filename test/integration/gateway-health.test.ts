/**
 * A gateway's /readyz waits for its required upstreams; /healthz counts the tools it offers;
 * /metrics shows each upstream;
 * `mcp-core tools` and `mcp-core call` use a gateway configuration from a shell.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { fixture, scratch, writeConfig } from '../helpers/gateway.ts';
import { CLI, startUrlServer } from '../helpers/processes.ts';

describe('gateway readiness', () => {
  it('is unready while a required upstream is not connected, naming it', async () => {
    const config = await writeConfig(await scratch(), {
      mcpServers: {
        fine: fixture([], { required: true }),
        broken: fixture(['--crash-on-start'], { required: true, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } }),
        optional: fixture(['--crash-on-start'], { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } }),
      },
      gateway: { watch: false },
    });
    const gateway = await startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
    try {
      const base = new URL(gateway.url);
      const ready = await fetch(new URL('/readyz', base));
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { status: string; checks: Record<string, { ready: boolean; detail?: string }> };
      assert.equal(body.status, 'unready');
      assert.deepEqual(body.checks.upstreams, { ready: false, detail: 'required upstreams not connected: broken' });
      const health = (await (await fetch(new URL('/healthz', base))).json()) as { tools_available: number };
      assert.ok(health.tools_available >= 10, `the fine upstream's tools are offered (${health.tools_available})`);
    } finally {
      await gateway.stop();
    }
  });

  it('is ready once every required upstream is connected; /metrics shows each upstream', async () => {
    const config = await writeConfig(await scratch(), {
      mcpServers: { fine: fixture([], { required: true }), stuck: fixture([], { timeoutMs: 200 }) },
      gateway: { watch: false },
      metrics: { enabled: true, processMetrics: false },
    });
    const gateway = await startUrlServer(process.execPath, [CLI, 'serve', '--config', config, '--http', '127.0.0.1:0']);
    const client = new McpClient({ name: 'metrics', version: '1.0.0' });
    try {
      const ready = await fetch(new URL('/readyz', new URL(gateway.url)));
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { upstreams: { ready: true } });
      await client.connect(new StreamableHttpClientTransport(gateway.url));
      await client.callTool('fine__echo', { text: 'x' });
      await client.callTool('fine__echo', { text: 'y' });
      assert.equal((await client.callTool('stuck__hang', {})).isError, true);
      const metrics = await (await fetch(new URL('/metrics', new URL(gateway.url)))).text();
      for (const line of [
        'mcp_upstream_up{upstream="fine"} 1',
        'mcp_upstream_calls_total{upstream="fine"} 2',
        'mcp_upstream_failures_total{upstream="stuck",reason="slow"} 1',
        'mcp_upstream_failures_total{upstream="fine",reason="dead"} 0',
        'mcp_upstream_breaker_state{upstream="stuck"} 0',
        'mcp_upstream_restarts_total{upstream="fine"} 0',
      ]) {
        assert.ok(metrics.includes(line), `${line} in\n${metrics.split('\n').filter((l) => l.startsWith('mcp_upstream')).join('\n')}`);
      }
      assert.match(metrics, /mcp_upstream_latency_seconds\{upstream="fine",quantile="0.5"\} \d/);
    } finally {
      await client.close();
      await gateway.stop();
    }
  });
});

describe('mcp-core tools and call', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout, stderr });
      });
    });

  it('lists the tools, calls one, and exits 1 when the result is an error', async () => {
    const config = await writeConfig(await scratch(), { mcpServers: { fx: fixture() } });
    const tools = await run(['tools', '--config', config]);
    assert.equal(tools.code, 0, tools.stderr);
    assert.match(tools.stdout, /^fx__echo {2}Echoes the text\.$/m);
    const listed = JSON.parse((await run(['tools', '--config', config, '--json'])).stdout) as Array<{ name: string }>;
    assert.ok(listed.some((tool) => tool.name === 'fx__slow'));
    const called = await run(['call', 'fx__echo', '--args', '{"text":"hello"}', '--config', config]);
    assert.deepEqual([called.code, called.stdout], [0, 'hello\n']);
    const failed = await run(['call', 'fx__echo', '--args', '{"text":5}', '--config', config]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /Invalid arguments for tool echo/);
    const unknown = await run(['call', 'fx__nope', '--config', config]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown tool: fx__nope/);
    const badArgs = await run(['call', 'fx__echo', '--args', '[1]', '--config', config]);
    assert.equal(badArgs.code, 2);
    assert.match(badArgs.stderr, /--args must be a JSON object/);
  });

  it('regression: exits 1 when an upstream is out of reach, listing the others\' tools', async () => {
    // Port 1 refuses at once. Before: tools exited 0 and call said "Unknown tool" with exit 2.
    const down = { url: 'http://127.0.0.1:1/mcp', connectTimeoutMs: 5000 };
    const config = await writeConfig(await scratch(), { mcpServers: { fx: fixture(), down } });
    const tools = await run(['tools', '--config', config]);
    assert.equal(tools.code, 1, tools.stderr);
    assert.match(tools.stdout, /^fx__echo {2}Echoes the text\.$/m);
    assert.match(tools.stderr, /^mcp-core: down is not connected: /m);
    const called = await run(['call', 'down__echo', '--config', config]);
    assert.equal(called.code, 1, called.stderr);
    assert.match(called.stderr, /^mcp-core: down__echo is not offered: its upstream down is not connected$/m);
    assert.doesNotMatch(called.stderr, /Unknown tool/);
    const unknown = await run(['call', 'fx__nope', '--config', config]);
    assert.equal(unknown.code, 2, 'a name no reachable upstream offers is still a bad name');
  });

  it('ends quietly when its reader has gone (tools | head), and stops its upstream', async () => {
    const dir = await scratch();
    const starts = join(dir, 'starts');
    const config = await writeConfig(dir, { mcpServers: { fx: fixture(['--starts', starts]) } });
    const child = spawn(process.execPath, [CLI, 'tools', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Nobody reads: every line the command prints meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error/);
    const upstream = Number((await readFile(starts, 'utf8')).trim());
    assert.throws(() => process.kill(upstream, 0), { code: 'ESRCH' }, 'the upstream is gone');
  });
});
