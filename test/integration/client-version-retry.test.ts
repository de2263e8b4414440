/**
 * Regression: a modern server that answers the first server/discover with
 * UnsupportedProtocolVersion (-32022) while listing the client's version as supported made
 * connect() fail; the client now retries once with the mutually supported version
 * (2026-07-28 basic/versioning).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';

test('client retries server/discover after UnsupportedProtocolVersion listing its version', async () => {
  const versions: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const request = JSON.parse(body) as { id: number; method: string };
      versions.push(req.headers['mcp-protocol-version'] as string | undefined);
      const reply =
        versions.length === 1
          ? { jsonrpc: '2.0', id: request.id, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: [MODERN_VERSION], requested: 'x' } } }
          : { jsonrpc: '2.0', id: request.id, result: { resultType: 'complete', supportedVersions: [MODERN_VERSION], capabilities: {}, ttlMs: 0, cacheScope: 'private' } };
      res.writeHead(versions.length === 1 ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const client = new McpClient({ name: 't', version: '1', era: 'modern' });
    await client.connect(new StreamableHttpClientTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`));
    assert.equal(client.era, 'modern');
    assert.deepEqual(versions, [MODERN_VERSION, MODERN_VERSION]);
    await client.close();
  } finally {
    server.close();
  }
});

test('client gives up when the server supports none of its versions', async () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const request = JSON.parse(body) as { id: number };
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2099-01-01'] } } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const client = new McpClient({ name: 't', version: '1', era: 'modern' });
    await assert.rejects(client.connect(new StreamableHttpClientTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`)), /Unsupported protocol version/);
  } finally {
    server.close();
  }
});
