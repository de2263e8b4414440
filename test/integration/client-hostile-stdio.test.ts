/**
 * What a hostile or broken stdio server can do to the client (and so to a gateway in front of
 * it): it cannot make the client hold unbounded memory. The peers are real child processes,
 * written here.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';

const FOREVER = 10 * 60_000;

/** Answers `initialize`, then never reads its input again (and never exits on its own). */
const DEAF_SERVER = `
process.stdin.once('data', (chunk) => {
  const { id } = JSON.parse(String(chunk).split('\\n')[0]);
  process.stdin.pause();
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'deaf', version: '1' } } }) + '\\n');
});
setInterval(() => {}, 60_000);
`;

describe('stdio client against a hostile server', () => {
  let client: McpClient | undefined;
  // Here rather than in the test: a test that times out must not leave its server running.
  after(() => client?.close());

  it('regression: a server that stops reading its input cannot make the client hold every request sent to it', { timeout: 30_000 }, async () => {
    const limit = 1024 * 1024;
    const transport = new StdioClientTransport({ command: process.execPath, args: ['-e', DEAF_SERVER], maxMessageBytes: limit, stderr: 'ignore', shutdownGraceMs: 200 });
    client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(transport);
    const text = 'x'.repeat(256 * 1024);
    const calls: Array<Promise<unknown>> = [];
    // Far more than the pipe and the limit hold: the calls past the limit fail at once.
    for (let call = 0; call < 40; call++) calls.push(client.callTool('echo', { text }).catch((error: unknown) => error));
    const refused = await calls.at(-1);
    assert.ok(refused instanceof McpLocalError && refused.code === LocalErrorCode.Overloaded, String(refused));
    assert.match(refused.message, /not reading its input/);
    assert.ok(transport.output.writableLength <= 2 * limit, `${transport.output.writableLength} bytes held`);
    await client.close();
    // The calls the pipe took fail with the connection.
    for (const outcome of await Promise.all(calls)) assert.ok(outcome instanceof McpLocalError, String(outcome));
  });
});
