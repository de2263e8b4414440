/**
 * A stdio server that starts processes of its own: with `processGroup`, closing the transport
 * stops them too; without it they outlive the server (the case the option exists for).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { isAlive, waitForExit } from '../helpers/pids.ts';
import { ROOT } from '../helpers/processes.ts';

const FIXTURE = join(ROOT, 'test/fixtures/upstream.ts');

async function start(processGroup: boolean): Promise<{ client: McpClient; transport: StdioClientTransport; grandchild: number }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [FIXTURE, '--grandchild'], stderr: 'pipe', processGroup });
  const lines = createInterface({ input: transport.process.stderr! });
  const grandchild = new Promise<number>((resolve) => lines.on('line', (line) => {
    const found = /^grandchild (\d+)/.exec(line);
    if (found) resolve(Number(found[1]));
  }));
  const client = new McpClient({ name: 'group-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, grandchild: await grandchild };
}

describe('stdio client transport, process groups', () => {
  it('stops the processes the server started when it closes (processGroup)', async () => {
    const { client, transport, grandchild } = await start(true);
    const pid = transport.process.pid!;
    assert.equal(isAlive(grandchild), true);
    await client.close();
    await waitForExit([pid, grandchild]);
  });

  it('stops them too when the server crashes on its own (processGroup)', async () => {
    const { client, transport, grandchild } = await start(true);
    await client.callTool('crash', {}, { timeoutMs: 10_000 }).catch(() => undefined);
    await waitForExit([transport.process.pid!, grandchild]);
    await client.close();
  });

  it('without processGroup, what the server started outlives it', async () => {
    const { client, grandchild } = await start(false);
    await client.close();
    try {
      assert.equal(isAlive(grandchild), true);
    } finally {
      process.kill(grandchild, 'SIGKILL');
    }
  });
});
