/**
 * mcp-core's client against a FastMCP server of the official Python SDK 1.x over Streamable
 * HTTP (test/fixtures/fastmcp1-server.py). The SDK answers transport errors with
 * `"id": "server-error"`; such an answer must settle the request it answers.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { startFastMcp1 } from '../helpers/fastmcp1.ts';
import type { RunningServer } from '../helpers/processes.ts';

/** Longer than any test may run: a wait this long is a hang. */
const FOREVER = 10 * 60_000;
const textOf = (result: { content: unknown }) => (result.content as Array<{ text: string }>)[0].text;

describe('mcp-core client with the Python SDK 1.x (FastMCP over HTTP)', () => {
  const servers: RunningServer[] = [];
  const clients: McpClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(servers.map((server) => server.stop()));
  });

  async function start(port = 0): Promise<RunningServer> {
    const server = await startFastMcp1(port);
    servers.push(server);
    return server;
  }

  async function connect(url: string, reinitialize?: boolean): Promise<McpClient> {
    const client = new McpClient({ name: 'fastmcp1-test', version: '1.0.0', probeTimeoutMs: FOREVER, requestTimeoutMs: FOREVER, reinitialize, capabilities: { elicitation: {} } });
    await client.connect(new StreamableHttpClientTransport(url));
    clients.push(client);
    return client;
  }

  /** Stops the server and starts a new one on the same port: its sessions are gone. */
  async function restart(server: RunningServer): Promise<RunningServer> {
    await server.stop();
    return start(Number(new URL(server.url).port));
  }

  it('regression: connect() falls back to the legacy era at once (the probe\'s error answer has id "server-error")', async () => {
    const server = await start();
    const client = await connect(server.url);
    assert.equal(client.era, 'legacy');
    assert.equal(client.serverInfo?.name, 'fastmcp1-peer');
    assert.equal(textOf(await client.callTool('echo', { text: 'hi' })), 'hi');
  });

  it('regression: after the server restarts, a call fails at once with "Session not found" (reinitialize: false)', async () => {
    const server = await start();
    const client = await connect(server.url, false);
    await restart(server);
    await assert.rejects(client.callTool('echo', { text: 'hi' }), (error: Error) => {
      assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.SessionExpired, String(error));
      assert.match(error.message, /Session not found/);
      return true;
    });
  });

  it('after the server restarts, the session is renewed unseen and input still reaches the right call', async () => {
    const server = await start();
    const client = await connect(server.url);
    await restart(server);
    assert.equal(textOf(await client.callTool('echo', { text: 'again' })), 'again');
    const confirmed = await client.callTool('confirm', { question: 'Still there?' }, { onElicit: () => ({ action: 'accept', content: { confirm: true } }) });
    assert.equal(textOf(confirmed), 'Still there? -> True');
  });
});
