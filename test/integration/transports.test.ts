/** The shared server suite over each transport: in memory, a stdio process, an HTTP process. */
import { after, before, describe } from 'node:test';
import { join } from 'node:path';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { createEverythingServer } from '../../examples/everything-server.ts';
import { ROOT, startHttpServer, type RunningServer } from '../helpers/processes.ts';
import { serverSuite } from './server-suite.ts';

const EVERYTHING = join(ROOT, 'examples/everything-server.ts');

describe('in memory', () => {
  const server = createEverythingServer();
  serverSuite('in memory', async (options) => connectInMemory(server, options));
});

describe('stdio process', () => {
  serverSuite('stdio', async (options) => {
    const client = new McpClient({ name: 'suite', version: '1.0.0', ...options });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, '--stdio'], stderr: 'ignore' }));
    return { client, close: () => client.close() };
  });
});

describe('Streamable HTTP process', () => {
  let running: RunningServer;
  before(async () => {
    running = await startHttpServer(EVERYTHING, ['--port', '0']);
  });
  after(() => running.stop());
  serverSuite('HTTP', async (options) => {
    const client = new McpClient({ name: 'suite', version: '1.0.0', ...options });
    // The GET stream is open once its response has arrived: the server sent its headers after
    // making it the session's outlet.
    let opened!: () => void;
    const streamOpen = new Promise<void>((resolve) => (opened = resolve));
    const watching: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'GET' && response.ok) opened();
      return response;
    };
    await client.connect(new StreamableHttpClientTransport(running.url, { fetch: watching }));
    return { client, close: () => client.close(), streamOpen };
  });
});

describe('WebSocket process', () => {
  let running: RunningServer;
  before(async () => {
    running = await startHttpServer(EVERYTHING, ['--port', '0', '--websocket']);
  });
  after(() => running.stop());
  serverSuite('WebSocket', async (options) => {
    const client = new McpClient({ name: 'suite', version: '1.0.0', ...options });
    await client.connect(new WebSocketClientTransport(running.url.replace(/^http/, 'ws')));
    return { client, close: () => client.close() };
  });
});
