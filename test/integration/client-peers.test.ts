/**
 * mcp-core's client against the official TypeScript SDK servers: v1 speaks only the legacy
 * era, so the client's server/discover probe must fall back to initialize; v2 speaks the
 * modern era, which the client keeps. Over stdio and over Streamable HTTP.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { ROOT, startHttpServer } from '../helpers/processes.ts';

const PEERS = join(ROOT, 'test/fixtures/sdk-servers.ts');

/**
 * The era is settled by the server's answer to the probe, never by the clock: a v1 server
 * answers server/discover with an error at once, and a v2 server spawned on a busy machine may
 * take longer than the default 5 s probe to start and answer (then it was taken for legacy).
 */
const CLIENT_OPTIONS = { name: 'mcp-core-client', version: '1.0.0', probeTimeoutMs: 120_000 };

async function exercise(client: McpClient, era: 'modern' | 'legacy', name: string): Promise<void> {
  assert.equal(client.era, era);
  assert.equal(client.serverInfo?.name, name);
  assert.deepEqual((await client.listTools()).map((tool) => tool.name), era === 'legacy' ? ['echo', 'confirm'] : ['echo']);
  assert.deepEqual((await client.callTool('echo', { text: 'to the SDK' })).content, [{ type: 'text', text: 'to the SDK' }]);
}

describe('mcp-core client with official SDK servers', () => {
  for (const [version, era, name] of [
    ['v1', 'legacy', 'sdk-v1-peer'],
    ['v2', 'modern', 'sdk-v2-peer'],
  ] as const) {
    it(`SDK ${version} over stdio: ${era} era`, async () => {
      const client = new McpClient(CLIENT_OPTIONS);
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [PEERS, version, 'stdio'], stderr: 'ignore' }));
      try {
        await exercise(client, era, name);
      } finally {
        await client.close();
      }
    });

    it(`SDK ${version} over Streamable HTTP: ${era} era`, async () => {
      const server = await startHttpServer(PEERS, [version, 'http']);
      const client = new McpClient(CLIENT_OPTIONS);
      try {
        await client.connect(new StreamableHttpClientTransport(server.url));
        await exercise(client, era, name);
      } finally {
        await client.close();
        await server.stop();
      }
    });
  }
});
