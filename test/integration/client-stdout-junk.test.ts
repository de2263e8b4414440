/**
 * A stdio server that writes a banner without a newline before its answers (against the spec,
 * as many do) has them read all the same, promptly, and the banner reported: the client and a
 * gateway in front of it. Real processes over real pipes: test/fixtures/banner-server.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { scratch, textOf, writeConfig } from '../helpers/gateway.ts';
import { CLI, ROOT } from '../helpers/processes.ts';

const BANNER_SERVER = join(ROOT, 'test/fixtures/banner-server.ts');
/** What each request may take: answers glued to a banner used to wait all of it, then fail. */
const TIMEOUT_MS = 20_000;
/** Well within it: a loaded machine takes a while to start a process, never this long. */
const PROMPTLY_MS = 8_000;

function connectTo(command: string, args: string[], frameErrors: Error[]): { client: McpClient; transport: StdioClientTransport } {
  const client = new McpClient({ name: 'junk-test', version: '1.0.0', requestTimeoutMs: TIMEOUT_MS, onFrameError: (error) => frameErrors.push(error) });
  const transport = new StdioClientTransport({ command, args, stderr: 'pipe' });
  return { client, transport };
}

describe('a stdio server that writes a banner without a newline before its answers', () => {
  for (const [mode, args] of [['before every answer', []], ['before its initialize answer only', ['--once']]] as const) {
    it(`regression: ${mode}, the client connects, lists and calls tools promptly, and reports the banner`, { timeout: 60_000 }, async () => {
      const frameErrors: Error[] = [];
      const { client, transport } = connectTo(process.execPath, [BANNER_SERVER, ...args], frameErrors);
      const started = performance.now();
      try {
        await client.connect(transport);
        assert.equal(client.era, 'legacy');
        assert.equal(client.serverInfo?.name, 'banner-server');
        const tools = await client.listTools();
        assert.deepEqual(tools.map((tool) => tool.name), ['echo', 'garbled']);
        const result = await client.callTool('echo', { text: 'through the banner' });
        assert.equal(textOf(result), 'through the banner');
      } finally {
        await client.close();
      }
      const took = performance.now() - started;
      assert.ok(took < PROMPTLY_MS, `took ${Math.round(took)} ms, as if an answer had been lost and waited for`);
      // Every banner is reported, with its escape sequence escaped, and as nothing else.
      assert.ok(frameErrors.length >= 1);
      for (const error of frameErrors) {
        assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.ProtocolViolation, String(error));
        assert.match(error.message, /^The server wrote \d+ characters that are not JSON-RPC before a message on its stdout \(which must carry only messages\): "\\u001b\[2JStarting banner-server \(answer \d+\)\.\.\."; the message was read$/);
      }
      // With a banner before every answer: the probe's refusal, initialize, tools/list and tools/call.
      if (args.length === 0) assert.equal(frameErrors.length, 4, frameErrors.map((error) => error.message).join('\n'));
      else assert.equal(frameErrors.length, 1);
    });
  }

  it('regression: after every answer on its line, the client connects, lists and calls tools promptly, and reports the banner', { timeout: 60_000 }, async () => {
    // The answer was dropped with the line (it parsed from no message start past the line's).
    const frameErrors: Error[] = [];
    const { client, transport } = connectTo(process.execPath, [BANNER_SERVER, '--after'], frameErrors);
    const started = performance.now();
    try {
      await client.connect(transport);
      assert.equal(client.serverInfo?.name, 'banner-server');
      assert.deepEqual((await client.listTools()).map((tool) => tool.name), ['echo', 'garbled']);
      assert.equal(textOf(await client.callTool('echo', { text: 'before the banner' })), 'before the banner');
    } finally {
      await client.close();
    }
    const took = performance.now() - started;
    assert.ok(took < PROMPTLY_MS, `took ${Math.round(took)} ms, as if an answer had been lost and waited for`);
    assert.equal(frameErrors.length, 4, frameErrors.map((error) => error.message).join('\n'));
    for (const error of frameErrors) {
      assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.ProtocolViolation, String(error));
      assert.match(error.message, /^The server wrote \d+ characters that are not JSON-RPC after a message on its stdout \(which must carry only messages\): "\\u001b\[2JStarting banner-server \(answer \d+\)\.\.\."; the message was read$/);
    }
  });

  it('regression: two messages on one line (a notification without its newline, then the answer), the client reads both, in order', { timeout: 60_000 }, async () => {
    // Both were dropped: the notification, and the answer, whose request waited out its timeout.
    const frameErrors: Error[] = [];
    const notices: string[] = [];
    const client = new McpClient({
      name: 'junk-test',
      version: '1.0.0',
      requestTimeoutMs: TIMEOUT_MS,
      onFrameError: (error) => frameErrors.push(error),
      onNotification: (notification) => notices.push(String((notification.params as { data?: unknown }).data)),
    });
    const transport = new StdioClientTransport({ command: process.execPath, args: [BANNER_SERVER, '--joined'], stderr: 'pipe' });
    const started = performance.now();
    let echoed: string;
    try {
      await client.connect(transport);
      echoed = textOf(await client.callTool('echo', { text: 'behind a notice' }));
    } finally {
      await client.close();
    }
    const took = performance.now() - started;
    assert.equal(echoed, 'behind a notice');
    assert.ok(took < PROMPTLY_MS, `took ${Math.round(took)} ms, as if an answer had been lost and waited for`);
    // The probe's refusal, initialize and tools/call each came behind a notice, which came first.
    assert.deepEqual(notices, ['answer 1 coming', 'answer 2 coming', 'answer 3 coming']);
    assert.equal(frameErrors.length, 3, frameErrors.map((error) => error.message).join('\n'));
    for (const error of frameErrors) {
      assert.equal(error.message, 'The server wrote 2 messages on one line of its stdout (which must end each message with a newline); the messages were read');
    }
  });

  it('a banner before an answer cut short stays a frame error: the call times out, as before', { timeout: 60_000 }, async () => {
    const frameErrors: Error[] = [];
    const { client, transport } = connectTo(process.execPath, [BANNER_SERVER, '--once'], frameErrors);
    try {
      await client.connect(transport);
      await assert.rejects(client.callTool('garbled', {}, { timeoutMs: 300 }), (error) => error instanceof McpLocalError && error.code === LocalErrorCode.Timeout);
      assert.equal(frameErrors.length, 2);
      assert.ok(frameErrors[1] instanceof SyntaxError, String(frameErrors[1]));
      // The connection goes on.
      assert.equal(textOf(await client.callTool('echo', { text: 'after' })), 'after');
    } finally {
      await client.close();
    }
  });

  it('regression: behind `mcp-core serve --stdio` as a stdio upstream, its tools are listed and called promptly, and the gateway warns of it once', { timeout: 90_000 }, async () => {
    const config = await writeConfig(await scratch(), { mcpServers: { noisy: { command: process.execPath, args: [BANNER_SERVER], timeoutMs: TIMEOUT_MS, connectTimeoutMs: TIMEOUT_MS } }, gateway: { watch: false } });
    const client = new McpClient({ name: 'junk-test', version: '1.0.0', requestTimeoutMs: TIMEOUT_MS });
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--stdio', '--config', config], stderr: 'pipe' });
    let stderr = '';
    transport.process.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    const started = performance.now();
    try {
      await client.connect(transport);
      const tools = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name).sort(), ['noisy__echo', 'noisy__garbled']);
      for (let i = 0; i < 3; i++) assert.equal(textOf(await client.callTool('noisy__echo', { text: `call ${i}` })), `call ${i}`);
    } finally {
      await client.close();
    }
    const took = performance.now() - started;
    assert.ok(took < PROMPTLY_MS, `took ${Math.round(took)} ms, as if an answer had been lost and waited for`);
    const warnings = stderr.split('\n').filter((line) => line.includes('MCP_UPSTREAM_NOT_MESSAGE'));
    assert.equal(warnings.length, 1, stderr);
    assert.match(warnings[0], /Upstream "noisy" sent what is not a JSON-RPC message \(warned once per upstream\): The server wrote \d+ characters that are not JSON-RPC before a message on its stdout/);
    // The escape sequence reaches no terminal raw.
    assert.doesNotMatch(stderr, /\x1b/);
  });
});
