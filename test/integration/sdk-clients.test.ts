/**
 * The official TypeScript SDK clients as peers: v1 (@modelcontextprotocol/sdk, legacy era)
 * and v2 (@modelcontextprotocol/client: legacy by default, modern with version negotiation
 * 'auto') connect to
 * `mcp-core serve --demo` over stdio and over Streamable HTTP, list tools and call echo.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { CLI, startDemoHttp, type RunningServer } from '../helpers/processes.ts';

const STDIO = { command: process.execPath, args: [CLI, 'serve', '--stdio', '--demo'], stderr: 'ignore' as const };

interface AnyClient {
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

async function exercise(client: AnyClient): Promise<void> {
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((tool) => tool.name),
    ['echo', 'add', 'sleep', 'fail', 'ask', 'route', 'whoami'],
  );
  const result = (await client.callTool({ name: 'echo', arguments: { text: 'hello from the SDK' } })) as { content: Array<{ type: string; text: string }> };
  assert.deepEqual(result.content, [{ type: 'text', text: 'hello from the SDK' }]);
  const failed = (await client.callTool({ name: 'fail', arguments: {} })) as { isError?: boolean };
  assert.equal(failed.isError, true);
}

describe('official SDK clients against mcp-core serve --demo', () => {
  let http: RunningServer;
  before(async () => {
    http = await startDemoHttp();
  });
  after(() => http.stop());

  it('SDK v1 over stdio (legacy era)', async () => {
    const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
    await client.connect(new StdioV1(STDIO));
    try {
      assert.equal(client.getServerVersion()?.name, 'mcp-core');
      await exercise(client as unknown as AnyClient);
    } finally {
      await client.close();
    }
  });

  it('SDK v1 over Streamable HTTP (legacy session)', async () => {
    const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
    const transport = new HttpV1(new URL(http.url));
    await client.connect(transport);
    try {
      assert.ok(transport.sessionId, 'a legacy session was opened');
      await exercise(client as unknown as AnyClient);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });

  for (const [mode, version] of [
    ['legacy', '2025-11-25'],
    ['auto', '2026-07-28'],
  ] as const) {
    const options = { versionNegotiation: { mode } };

    it(`SDK v2 over stdio (negotiation ${mode}: ${version})`, async () => {
      const client = new ClientV2({ name: 'sdk-v2', version: '1.0.0' }, options);
      await client.connect(new StdioV2(STDIO));
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), version);
        await exercise(client as unknown as AnyClient);
      } finally {
        await client.close();
      }
    });

    it(`SDK v2 over Streamable HTTP (negotiation ${mode}: ${version})`, async () => {
      const client = new ClientV2({ name: 'sdk-v2', version: '1.0.0' }, options);
      await client.connect(new HttpV2(new URL(http.url)));
      try {
        assert.equal(client.getNegotiatedProtocolVersion(), version);
        assert.equal(client.getServerVersion()?.name, 'mcp-core');
        await exercise(client as unknown as AnyClient);
      } finally {
        await client.close();
      }
    });
  }
});
