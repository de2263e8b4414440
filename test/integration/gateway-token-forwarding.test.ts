/**
 * A gateway never passes its callers' credentials on: `mcp-core serve` with API keys in front
 * of an HTTP upstream that records every request it gets (headers and JSON-RPC messages). The
 * caller's key, sent as `Authorization: Bearer` and as `X-API-Key`, reaches the gateway's tool
 * handler as a principal, and appears nowhere in what the upstream receives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import type { HeadHeaders } from '../../src/security/edge.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { call, configFile, text } from '../helpers/auth-requests.ts';
import { MODERN_META, post } from '../helpers/http.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const KEY = 'alice-gateway-key-7c1f9a2e';

describe('gateway: callers\' tokens are not forwarded to upstreams', () => {
  let upstream: HttpListener;
  let served: Served;
  const heads: HeadHeaders[] = [];
  const messages: string[] = [];

  before(async () => {
    const server = new McpServer({ name: 'upstream', version: '1.0.0' });
    server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, ({ text }) => text);
    server.tool('caller', {}, (_args, ctx) => ctx.auth?.subject ?? 'anonymous');
    server.use((next) => (request, exchange) => {
      messages.push(JSON.stringify(request));
      return next(request, exchange);
    });
    upstream = await serveHttp(server, {
      host: '127.0.0.1',
      port: 0,
      edge: (head) => {
        heads.push(head.headers);
        return undefined;
      },
    });
    const config = configFile({ auth: { mode: 'apiKey', apiKeys: { alice: { key: KEY } } }, mcpServers: { up: { url: upstream.url } } });
    served = await startServe(['--config', config, '--http', '127.0.0.1:0']);
  });
  after(async () => {
    await stopServe(served);
    await upstream.close();
  });

  it('calls the upstream as itself, with none of the caller\'s credentials', async () => {
    assert.equal(text(await call(served.url, KEY, 'up__echo', { text: 'through' })), 'through');
    const viaHeader = await post(
      served.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'up__caller', arguments: {}, _meta: MODERN_META } },
      { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'up__caller', 'x-api-key': KEY },
    );
    // The upstream saw an anonymous caller: the gateway, not alice.
    assert.equal(text(viaHeader), 'anonymous');
    // Without a key the gateway refuses; the upstream is not reached on the caller's behalf.
    assert.equal((await call(served.url, undefined, 'up__echo', { text: 'x' })).status, 401);

    assert.ok(messages.some((message) => message.includes('"through"')), 'the upstream served the call');
    for (const headers of heads) {
      assert.equal(headers.authorization, undefined);
      assert.equal(headers['x-api-key'], undefined);
      for (const value of Object.values(headers)) assert.ok(!String(value).includes(KEY), 'a header holds the key');
    }
    for (const message of messages) assert.ok(!message.includes(KEY), `a message holds the key: ${message}`);
  });
});
