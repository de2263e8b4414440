/**
 * An upstream's progress that JSON carries but a number cannot hold, through a real
 * `mcp-core serve --stdio` gateway in front of test/fixtures/scripted-upstream.ts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { scratch, writeConfig } from '../helpers/gateway.ts';
import { CLI, ROOT } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

describe('an upstream\'s progress of 1e400', () => {
  it('regression: is dropped, as progress of any other type is; it parsed to Infinity and reached the caller as progress null, which its client refuses', { timeout: 120_000 }, async () => {
    const dir = await scratch();
    const script = join(dir, 'script.json');
    const config = await writeConfig(dir, { mcpServers: { up: { command: process.execPath, args: [join(ROOT, 'test/fixtures/scripted-upstream.ts'), '--era', 'legacy', '--script', script], era: 'legacy' } }, gateway: { watch: false } });
    const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--config', config]);
    const progress = (fields: string) => `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":__TOKEN__,${fields}}}`;
    const extras = [progress('"progress":1e400'), progress('"progress":1,"total":-1e400'), progress('"progress":2,"total":3,"message":"fine"')];
    await writeFile(script, JSON.stringify({ case: 1, trigger: 'tools/call', extras }));
    try {
      peer.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
      assert.equal((await peer.next()).id, 'init');
      peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      peer.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up__t', arguments: {}, _meta: { progressToken: 'p' } } });
      const notifications: unknown[] = [];
      for (let message = await peer.next(); message.id !== 1; message = await peer.next()) notifications.push(message);
      assert.deepEqual(notifications, [{ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'p', progress: 2, total: 3, message: 'fine' } }]);
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
  });
});
