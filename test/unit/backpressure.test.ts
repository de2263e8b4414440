/**
 * Flow control on a stream transport: when the peer stops reading responses, the server stops
 * reading requests, so memory stays bounded; when it reads again, everything is answered.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ServerConnection } from '../../src/server/connection.ts';
import { McpServer } from '../../src/server/server.ts';
import { StreamTransport } from '../../src/transport/stream.ts';
import { MODERN_META } from '../helpers/http.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('stream backpressure', () => {
  it('pauses reading while responses are not drained, and loses nothing', async () => {
    const server = new McpServer({ name: 'bp', version: '1.0.0' });
    let served = 0;
    server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, ({ text }) => {
      served++;
      return text;
    });
    const input = new PassThrough();
    const output = new PassThrough({ highWaterMark: 16 * 1024 });
    new ServerConnection(server, new StreamTransport(input, output)).start();

    const total = 2000;
    const text = 'x'.repeat(1024);
    for (let id = 1; id <= total; id++) {
      input.write(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text }, _meta: MODERN_META } }) + '\n');
    }
    for (let i = 0; i < 20; i++) await tick();
    assert.ok(served < total, `reading paused while nobody drained the output (served ${served} of ${total})`);
    assert.equal(input.isPaused(), true);

    const ids = new Set<number>();
    let buffered = '';
    output.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        ids.add(JSON.parse(buffered.slice(0, newline)).id);
        buffered = buffered.slice(newline + 1);
      }
    });
    for (let i = 0; i < 200 && ids.size < total; i++) await tick();
    assert.equal(ids.size, total, 'every request was answered once the output drained');
  });

  it('caps requests in flight', async () => {
    const held = holdingServer(8);
    for (let id = 1; id <= 50; id++) held.input.write(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'hold', _meta: MODERN_META } }) + '\n');
    for (let i = 0; i < 10; i++) await tick();
    assert.ok(held.started <= 8 + 1, `at most maxInflight requests run at once (started ${held.started})`);
    await held.releaseAll(50);
  });

  it('regression: a cancelled request counts against the cap until its handler returns (a client cancelling each call to a tool that ignores cancellation ran any number at once)', async () => {
    const held = holdingServer(8);
    for (let id = 1; id <= 50; id++) {
      held.input.write(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'hold', _meta: MODERN_META } }) + '\n');
      held.input.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } }) + '\n');
    }
    for (let i = 0; i < 10; i++) await tick();
    assert.ok(held.started <= 8 + 1, `at most maxInflight handlers run at once, cancelled or not (started ${held.started})`);
    await held.releaseAll(50);
  });
});

/**
 * A connection capped at `maxInflight` to a server whose `hold` tool waits until released and
 * ignores its cancellation; `releaseAll(total)` lets calls go until `total` have started.
 */
function holdingServer(maxInflight: number) {
  const server = new McpServer({ name: 'cap', version: '1.0.0' });
  const release: Array<() => void> = [];
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  const held = {
    input,
    started: 0,
    async releaseAll(total: number): Promise<void> {
      while (held.started < total) {
        release.splice(0).forEach((resolve) => resolve());
        for (let i = 0; i < 5; i++) await tick();
      }
      release.splice(0).forEach((resolve) => resolve());
      assert.equal(held.started, total, 'every call ran once room was made');
    },
  };
  server.tool('hold', {}, () => {
    held.started++;
    return new Promise<string>((resolve) => release.push(() => resolve('ok')));
  });
  new ServerConnection(server, new StreamTransport(input, output), { maxInflight }).start();
  return held;
}
