/**
 * The client's connection lifecycle: `onClose` and `closed` tell at once, with the reason,
 * that a server went away; a stdio server that exits is named with its exit code and the end
 * of its stderr; a failed connect() stops the server it spawned.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { isAlive } from '../helpers/pids.ts';
import { ROOT } from '../helpers/processes.ts';

const EVERYTHING = join(ROOT, 'examples/everything-server.ts');
const PEERS = join(ROOT, 'test/fixtures/sdk-servers.ts');

describe('client lifecycle', () => {
  it('onClose and closed report a killed stdio server with its signal; requests in flight fail', async () => {
    const reasons: Array<Error | undefined> = [];
    const client = new McpClient({ name: 'lifecycle', version: '1.0.0', onClose: (error) => reasons.push(error) });
    const transport = new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, '--stdio'], stderr: 'ignore' });
    await client.connect(transport);
    const call = client.callTool('test_tool_with_progress', {}, { onProgress: () => transport.process.kill('SIGKILL') });
    await assert.rejects(call, (error: Error) => error instanceof McpLocalError && error.code === LocalErrorCode.ConnectionClosed);
    const reason = await client.closed;
    assert.ok(reason instanceof McpLocalError);
    assert.equal(reason.code, LocalErrorCode.ConnectionClosed);
    assert.match(reason.message, /Server process exited \(SIGKILL\)/);
    assert.deepEqual(reasons, [reason]);
    await assert.rejects(client.listTools(), /Server process exited/);
  });

  it('close() settles closed with no reason and calls onClose once', async () => {
    const reasons: Array<Error | undefined> = [];
    const client = new McpClient({ name: 'lifecycle', version: '1.0.0', onClose: (error) => reasons.push(error) });
    const transport = new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, '--stdio'], stderr: 'ignore' });
    await client.connect(transport);
    await client.close();
    assert.equal(await client.closed, undefined);
    assert.deepEqual(reasons, [undefined]);
    assert.ok(transport.process.exitCode !== null || transport.process.signalCode !== null);
  });

  it('regression: a stdio server that exits is reported with its exit code and the end of its stderr, not "Connection closed"', async () => {
    const client = new McpClient({ name: 'lifecycle', version: '1.0.0' });
    const script = "process.stderr.write('starting\\nfatal: DATABASE_URL is not set\\n'); process.exit(3)";
    const transport = new StdioClientTransport({ command: process.execPath, args: ['-e', script], stderr: 'pipe' });
    await assert.rejects(client.connect(transport), (error: Error) => {
      assert.ok(error instanceof McpLocalError);
      assert.equal(error.code, LocalErrorCode.ConnectionClosed);
      assert.match(error.message, /^Server process exited \(code 3\): starting\nfatal: DATABASE_URL is not set$/);
      return true;
    });
    assert.match((await client.closed)!.message, /code 3/);
  });

  it('regression: a failed connect() stops the stdio server it spawned (checked by pid)', async () => {
    // The SDK v1 server speaks only the legacy era: insisting on the modern one fails.
    const client = new McpClient({ name: 'lifecycle', version: '1.0.0', era: 'modern' });
    const transport = new StdioClientTransport({ command: process.execPath, args: [PEERS, 'v1', 'stdio'], stderr: 'ignore' });
    const pid = transport.process.pid!;
    await assert.rejects(client.connect(transport));
    assert.equal(isAlive(pid), false, 'the server process is gone');
    assert.ok(await client.closed, 'closed carries the reason connect() failed');
  });

  it('a server that closes its stdout but keeps running is stopped, and the reason says so', async () => {
    const client = new McpClient({ name: 'lifecycle', version: '1.0.0', era: 'legacy' });
    // Answers initialize, then closes stdout and lingers.
    const script = `
      const rl = require('node:readline').createInterface({ input: process.stdin });
      rl.on('line', (line) => {
        const msg = JSON.parse(line);
        if (msg.method !== 'initialize') return;
        process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'x', version: '1' } } }) + '\\n');
        process.stdout.end();
        setInterval(() => {}, 1000);
      });`;
    const transport = new StdioClientTransport({ command: process.execPath, args: ['-e', script], stderr: 'ignore', shutdownGraceMs: 200 });
    await client.connect(transport);
    const reason = await client.closed;
    assert.match(reason!.message, /Server closed its output; stopped it/);
    assert.equal(isAlive(transport.process.pid!), false);
  });
});
