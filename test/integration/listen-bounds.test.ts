/**
 * `subscriptions/listen` (2026-07-28) follows the resources its `resourceSubscriptions` names
 * for as long as its stream is open: the URIs are bounded as a legacy session's subscriptions
 * are (`server.sessionLimits`), and a value that is not a list of URI strings is refused
 * instead of ignored. Within those bounds, what the stream holds for a client that is not
 * reading (one update per resource) fits the 64 KiB it may hold, so no update is dropped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetaKey } from '../../src/protocol/meta.ts';
import { Notification } from '../../src/protocol/methods.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { HeldMessages } from '../../src/server/held-messages.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { MODERN_META, read } from '../helpers/http.ts';

const LISTEN_HEADERS = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'subscriptions/listen' };

function makeServer(): McpServer {
  const server = new McpServer({ name: 'listen-bounds', version: '1.0.0' });
  server.resourceTemplate('demo://items/{id}', { name: 'item' }, (_uri, { id }) => `item ${id}`);
  return server;
}

function uris(count: number, length = 20): string[] {
  return Array.from({ length: count }, (_, i) => `demo://items/${String(i).padStart(length - 13, '0')}`);
}

function listen(url: string, resourceSubscriptions: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...LISTEN_HEADERS },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions }, _meta: MODERN_META } }),
    signal,
  });
}

/** The JSON-RPC error a refused listen was answered with (an accepted one stays open: it times out). */
async function refusal(url: string, resourceSubscriptions: unknown): Promise<{ code: number; message: string }> {
  const answer = await read(await listen(url, resourceSubscriptions, AbortSignal.timeout(10_000)));
  const message = Array.isArray(answer.json) ? answer.json.at(-1) : answer.json;
  assert.ok(message?.error, `refused, not ${answer.text.slice(0, 200)}`);
  return message.error;
}

describe('subscriptions/listen: resourceSubscriptions bounded', () => {
  let listener: HttpListener;
  before(async () => {
    listener = await serveHttp(makeServer(), { port: 0 });
  });
  after(() => listener.close());

  it('regression: more URIs than a session may subscribe are refused with -32602 (a listen held any number for as long as it was open)', async () => {
    const error = await refusal(listener.url, uris(257));
    assert.equal(error.code, -32602);
    assert.match(error.message, /names 257 resources; one listen may follow at most 256/);
  });

  it('regression: URIs taking more than the session data bound are refused with -32602', async () => {
    const error = await refusal(listener.url, uris(100, 200));
    assert.equal(error.code, -32602);
    assert.match(error.message, /more than 16384 bytes/);
  });

  it('regression: a value that is not a list of URI strings is refused, not ignored', async () => {
    for (const bad of ['demo://items/1', { uri: 'demo://items/1' }, ['demo://items/1', 7], [['demo://items/1']]]) {
      const error = await refusal(listener.url, bad);
      assert.equal(error.code, -32602, JSON.stringify(bad));
      assert.match(error.message, /resourceSubscriptions/);
    }
  });

  it('follows 256 URIs (repeats counted once), acknowledged in the stream', async () => {
    const controller = new AbortController();
    const wanted = uris(256);
    const response = await listen(listener.url, [...wanted, wanted[0]], controller.signal);
    try {
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const first = JSON.parse(text.split('\n').find((line) => line.startsWith('data: '))!.slice(6));
      assert.equal(first.method, Notification.SubscriptionsAcknowledged);
      assert.deepEqual(first.params.notifications.resourceSubscriptions, wanted);
    } finally {
      controller.abort();
    }
  });
});

describe('a listen stream held for a client that is not reading', () => {
  it('holds one update of each of 256 followed resources, the longest URIs the bounds allow, without dropping any', () => {
    const held = new HeldMessages();
    const followed = uris(256, 64);
    const meta = { [MetaKey.SubscriptionId]: 'a-subscription-id-of-the-clients-choosing' };
    for (let round = 0; round < 10; round++) {
      for (const uri of followed) held.notification({ jsonrpc: '2.0', method: Notification.ResourcesUpdated, params: { _meta: meta, uri } });
    }
    assert.equal(held.droppedNotifications, 0);
    assert.equal(held.messages.length, 256);
  });
});
