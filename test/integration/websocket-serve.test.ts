/**
 * `mcp-core serve --demo` with `websocket.enabled`: the official SDK v1 WebSocket client and
 * mcp-core's own client (both eras) on the MCP path of the HTTP listener, server-to-client
 * questions over the socket, a message over the limit closed with 1009 while others are
 * served, hostile frames answered without taking anything down, and a graceful shutdown that
 * answers calls in flight before closing with 1001; its requests counted in /metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport as WebSocketV1 } from '@modelcontextprotocol/sdk/client/websocket.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';
import { startServe, type Served } from '../helpers/served.ts';
import { parseMetrics, valueOf } from '../helpers/prometheus.ts';
import { modernCall, openRaw } from '../helpers/ws.ts';

/** Demo tools these tests call (the demo has more). */
const USED_TOOLS = ['echo', 'add', 'sleep', 'fail', 'ask'];

function assertListsUsedTools(names: string[]): void {
  for (const name of USED_TOOLS) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
}
const LIMIT = 64 * 1024;
/** Long enough that the call surely still runs when the signal and the next request come (it has reported progress by then). */
const CALL_MS = 4000;

function wsUrl(served: Served): string {
  return served.url.replace(/^http/, 'ws');
}

function textOf(result: unknown): string | undefined {
  return (result as { content?: Array<{ text?: string }> }).content?.[0]?.text;
}

describe('mcp-core serve with websocket.enabled', () => {
  let served: Served;
  before(async () => {
    served = await startServe(['--http', '127.0.0.1:0'], { MCP__WEBSOCKET__ENABLED: 'true', MCP__WEBSOCKET__MAXMESSAGEBYTES: String(LIMIT), MCP__METRICS__ENABLED: 'true' });
  });
  after(async () => {
    assert.equal(served.process.exitCode, null, 'the server is still running');
    served.process.kill('SIGTERM');
    assert.equal(await served.exited, 0);
  });

  it('announces the WebSocket URL: the HTTP one, as ws://', async () => {
    const line = await served.stdoutLine(/WebSocket/);
    assert.equal(line, `mcp-core serving WebSocket at ${wsUrl(served)}`);
  });

  it('serves the official SDK v1 WebSocketClientTransport (legacy session, questions over the socket)', async () => {
    const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => ({ action: 'accept', content: { answer: `you asked: ${request.params.message}` } }));
    await client.connect(new WebSocketV1(new URL(wsUrl(served))));
    try {
      assert.equal(client.getServerVersion()?.name, 'mcp-core');
      const { tools } = await client.listTools();
      assertListsUsedTools(tools.map((tool) => tool.name));
      assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hello over ws' } })), 'hello over ws');
      assert.equal(((await client.callTool({ name: 'fail', arguments: {} })) as { isError?: boolean }).isError, true);
      assert.equal(textOf(await client.callTool({ name: 'ask', arguments: { question: 'colour?' } })), 'you asked: colour?');
    } finally {
      await client.close();
    }
  });

  for (const era of ['modern', 'legacy'] as const) {
    it(`serves mcp-core's client in the ${era} era, input requests included`, async () => {
      const client = new McpClient({
        name: 'ws-client',
        version: '1.0.0',
        era,
        onElicit: async ({ message }) => ({ action: 'accept', content: { answer: `${era}: ${message}` } }),
      });
      await client.connect(new WebSocketClientTransport(wsUrl(served)));
      try {
        assert.equal(client.era, era);
        assertListsUsedTools((await client.listTools()).map((tool) => tool.name));
        assert.equal(textOf(await client.callTool('add', { a: 2, b: 3 })), '5');
        assert.equal(textOf(await client.callTool('ask', { question: 'why?' })), `${era}: why?`);
        const progress: number[] = [];
        assert.equal(textOf(await client.callTool('sleep', { ms: 50 }, { onProgress: ({ progress: p }) => progress.push(p) })), 'slept 50 ms');
        assert.ok(progress.length > 0, 'progress came over the socket');
        if (era === 'legacy') await client.ping();
      } finally {
        await client.close();
      }
    });
  }

  it("counts its requests in the listener's /metrics, as HTTP's", async () => {
    const echoCalls = async (era: string) => {
      const response = await fetch(new URL('/metrics', served.url));
      return valueOf(parseMetrics(await response.text()), 'mcp_requests_total', { method: 'tools/call', tool: 'echo', outcome: 'ok', era });
    };
    for (const era of ['modern', 'legacy'] as const) {
      const before = await echoCalls(era);
      const client = new McpClient({ name: 'metered', version: '1.0.0', era });
      await client.connect(new WebSocketClientTransport(wsUrl(served)));
      try {
        for (let call = 0; call < 3; call++) await client.callTool('echo', { text: 'counted' });
      } finally {
        await client.close();
      }
      assert.equal(await echoCalls(era), before + 3, era);
    }
  });

  it('closes a connection whose message is over the limit with 1009, and serves the others', async () => {
    const other = new McpClient({ name: 'bystander', version: '1.0.0' });
    await other.connect(new WebSocketClientTransport(wsUrl(served)));
    const peer = await openRaw(wsUrl(served));
    peer.send(modernCall(1, 'echo', { text: 'x'.repeat(LIMIT) }));
    const { code } = await peer.closed;
    assert.equal(code, 1009);
    assert.equal(textOf(await other.callTool('echo', { text: 'still here' })), 'still here');
    await other.close();
  });

  it('answers binary frames and non-JSON text with an error and keeps the connection', async () => {
    const peer = await openRaw(wsUrl(served));
    peer.socket.send(Buffer.from(JSON.stringify(modernCall(1, 'echo', { text: 'binary' }))), { binary: true });
    const binary = await peer.next();
    assert.equal(binary.error.code, -32600);
    assert.match(binary.error.message, /Binary frames are not accepted/);
    peer.socket.send('{"jsonrpc": "2.0", "id": 2, "method": ');
    assert.equal((await peer.next()).error.code, -32700);
    peer.send(modernCall(3, 'echo', { text: 'after the garbage' }));
    const answer = await peer.next();
    assert.equal(answer.id, 3);
    assert.equal(answer.result.content[0].text, 'after the garbage');
    peer.socket.close();
    await peer.closed;
  });

  it('a client that is refused (nothing listens on the path) gets a clear error', async () => {
    const client = new McpClient({ name: 'lost', version: '1.0.0' });
    await assert.rejects(
      client.connect(new WebSocketClientTransport(wsUrl(served).replace('/mcp', '/elsewhere'))),
      (error: unknown) => error instanceof McpLocalError && error.code === LocalErrorCode.ConnectionClosed && /HTTP 404/.test(error.message),
    );
  });
});

describe('mcp-core serve shutdown with WebSocket connections', () => {
  it('answers the calls in flight, refuses new ones, then closes with 1001', async () => {
    const served = await startServe(['--http', '127.0.0.1:0'], { MCP__WEBSOCKET__ENABLED: 'true' });
    // The call is running once its first progress arrives.
    const call = modernCall(1, 'sleep', { ms: CALL_MS }) as { params: { _meta: Record<string, unknown> } };
    call.params._meta = { ...call.params._meta, progressToken: 'p' };
    const busy = await openRaw(wsUrl(served));
    busy.send(call);
    assert.equal((await busy.next()).method, 'notifications/progress');
    served.process.kill('SIGTERM');
    await served.stderrLine(/shutting down/);
    busy.send(modernCall(2, 'echo', { text: 'too late' }));
    const messages: any[] = [];
    for (;;) {
      const message = await busy.next();
      if (message.method === 'notifications/progress') continue;
      messages.push(message);
      if (messages.length === 2) break;
    }
    const refused = messages.find((message) => message.id === 2);
    assert.match(refused.error.message, /shutting down/);
    const answered = messages.find((message) => message.id === 1);
    assert.equal(answered.result.content[0].text, `slept ${CALL_MS} ms`);
    const { code } = await busy.closed;
    assert.equal(code, 1001);
    assert.equal(await served.exited, 0);
  });
});
