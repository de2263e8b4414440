/**
 * The bounds as `mcp-core serve` applies them from its config file, on a real process: memory
 * stays bounded under a flood of large slow calls, one client cannot fill the session table,
 * and a stdio connection carries the principal the config names.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { from, initializeFrom, type FromResponse } from '../helpers/http-from.ts';
import { MODERN_META } from '../helpers/http.ts';
import { CLI, startDemoHttp, type RunningServer } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';
import { memoryOf } from '../helpers/memory.ts';

const MIB = 1024 * 1024;

async function configFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'mcp-core-bounds-')), 'bounds.yaml');
  await writeFile(path, text);
  return path;
}

function sleepCall(address: string, url: string, ms: number, blob = ''): Promise<FromResponse> {
  return from(address, url, {
    headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'sleep' },
    body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms, blob }, _meta: MODERN_META } },
  });
}

describe('mcp-core serve: bounds from the config', () => {
  let server: RunningServer;
  before(async () => {
    const config = await configFile(
      [
        'http:',
        '  inflight: { maxRequests: 64, maxRequestsPerClient: 16, maxBytes: 16777216, maxBytesPerClient: 8388608 }',
        '  sessions: { maxSessions: 40, maxSessionsPerClient: 5 }',
      ].join('\n'),
    );
    server = await startDemoHttp(['--config', config]);
  });
  after(() => server.stop());

  it('60 concurrent calls with 3.9 MB arguments leave memory bounded and others served (was: RSS 190 MB to 1.2 GB)', async () => {
    const pid = server.process.pid!;
    const before = await memoryOf(pid);
    const blob = 'x'.repeat(3.9 * MIB);
    const flood = Array.from({ length: 60 }, (_, i) => sleepCall(`127.0.0.${2 + (i % 4)}`, server.url, 300, blob));
    const bystander = await from('127.0.0.9', server.url, {
      headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' },
      body: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: MODERN_META } },
    });
    assert.equal(bystander.json.result.content[0].text, 'anonymous', 'another client is served during the flood');
    const answers = await Promise.all(flood);
    const served = answers.filter((answer) => answer.status === 200).length;
    const refused = answers.filter((answer) => answer.status === 503);
    assert.equal(served + refused.length, 60);
    assert.ok(served >= 4, `some calls are served (${served})`);
    assert.ok(refused.length > 0, 'past 8 MiB per client and 16 MiB in all, calls are refused');
    for (const answer of refused) assert.equal(answer.headers['retry-after'], '1');
    const after = await memoryOf(pid);
    // 16 MiB of bodies in flight cost a few times that once parsed; 60 unbounded would be ~1 GB.
    assert.ok(after.peak - before.rss < 300 * MIB, `peak RSS grew by ${Math.round((after.peak - before.rss) / MIB)} MiB`);
  });

  it('one client past its session quota loses its own oldest session, not others theirs', async () => {
    const first = await initializeFrom('127.0.0.20', server.url);
    const firstId = first.headers['mcp-session-id'] as string;
    const other = await initializeFrom('127.0.0.21', server.url);
    const otherId = other.headers['mcp-session-id'] as string;
    for (let i = 0; i < 30; i++) assert.equal((await initializeFrom('127.0.0.20', server.url)).status, 200);
    const ping = (address: string, id: string) => from(address, server.url, { headers: { 'mcp-session-id': id }, body: { jsonrpc: '2.0', id: 1, method: 'ping' } });
    assert.equal((await ping('127.0.0.20', firstId)).status, 404);
    assert.equal((await ping('127.0.0.21', otherId)).status, 200);
  });
});

describe('mcp-core serve --stdio: the principal from the config', () => {
  it('reaches handlers as ctx.auth', async () => {
    const config = await configFile('stdio:\n  principal: { subject: operator, scopes: [tools] }\n');
    const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo', '--config', config]);
    try {
      peer.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, _meta: MODERN_META } });
      const response = await peer.next(15_000);
      assert.equal(response.result.content[0].text, 'operator');
    } finally {
      await peer.close();
    }
  });
});
