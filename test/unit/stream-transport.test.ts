/**
 * How a stream transport writes: replies to one input chunk go out in a few grouped writes,
 * anything sent outside a chunk goes out at once, and large frames arrive whole.
 */
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ServerConnection } from '../../src/server/connection.ts';
import { McpServer } from '../../src/server/server.ts';
import { StreamTransport } from '../../src/transport/stream.ts';
import { MODERN_META } from '../helpers/http.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** An output that records each write: how many frames it carried, and their text. */
function recordingOutput(): { output: Writable; writes: number[]; text: () => string } {
  const writes: number[] = [];
  const parts: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString().split('\n').length - 1);
      parts.push(chunk);
      callback();
    },
    writev(chunks, callback) {
      const joined = Buffer.concat(chunks.map(({ chunk }) => chunk as Buffer));
      writes.push(joined.toString().split('\n').length - 1);
      parts.push(joined);
      callback();
    },
  });
  return { output, writes, text: () => Buffer.concat(parts).toString() };
}

function echoServer(): McpServer {
  const server = new McpServer({ name: 'writes', version: '1.0.0' });
  server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, ({ text }) => text);
  server.tool('later', {}, async () => {
    await tick();
    return 'later';
  });
  return server;
}

const call = (id: number, name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: MODERN_META } }) + '\n';

function replies(text: string): Array<{ id: number; result?: { content: Array<{ text: string }> } }> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('stream transport writes', () => {
  it('answers the requests of one chunk in about eight writes, not one per reply nor one for all', async () => {
    const { output, writes, text } = recordingOutput();
    const input = new PassThrough();
    new ServerConnection(echoServer(), new StreamTransport(input, output)).start();
    let chunk = '';
    for (let id = 1; id <= 64; id++) chunk += call(id, 'echo', { text: `t${id}` });
    input.write(chunk);
    await tick();
    assert.deepEqual(
      replies(text()).map((reply) => reply.id),
      Array.from({ length: 64 }, (_, i) => i + 1),
    );
    assert.deepEqual(writes, [8, 8, 8, 8, 8, 8, 8, 8]);
  });

  it('writes a lone request reply, and replies of async handlers, at once', async () => {
    const { output, writes, text } = recordingOutput();
    const input = new PassThrough();
    new ServerConnection(echoServer(), new StreamTransport(input, output)).start();
    input.write(call(1, 'echo', { text: 'one' }));
    await tick();
    assert.deepEqual(writes, [1]);
    input.write(call(2, 'later') + call(3, 'later'));
    for (let i = 0; i < 5 && writes.length < 3; i++) await tick();
    assert.deepEqual(writes, [1, 1, 1]);
    assert.deepEqual(
      replies(text()).map((reply) => reply.id),
      [1, 2, 3],
    );
  });

  it('with coalesceWrites, sends what one turn sent outside an input chunk in one write, and flushes it on close', async () => {
    const { output, writes, text } = recordingOutput();
    const transport = new StreamTransport(new PassThrough(), output, { coalesceWrites: true });
    transport.start({ onMessage: () => undefined, onFrameError: () => undefined, onClose: () => undefined });
    for (let id = 1; id <= 3; id++) transport.send({ jsonrpc: '2.0', id, method: 'ping' });
    assert.deepEqual(writes, []);
    await tick();
    assert.deepEqual(writes, [3]);
    transport.send({ jsonrpc: '2.0', id: 4, method: 'ping' });
    await transport.close();
    assert.deepEqual(writes, [3, 1]);
    assert.equal(text().split('\n').filter(Boolean).length, 4);
  });

  it('sends a large frame whole and in order with its neighbours', async () => {
    const { output, text } = recordingOutput();
    const input = new PassThrough();
    new ServerConnection(echoServer(), new StreamTransport(input, output)).start();
    const big = 'b'.repeat(300_000);
    input.write(call(1, 'echo', { text: 'before' }) + call(2, 'echo', { text: big }) + call(3, 'echo', { text: 'after' }));
    await tick();
    const got = replies(text());
    assert.deepEqual(
      got.map((reply) => reply.id),
      [1, 2, 3],
    );
    assert.equal(got[1].result?.content[0].text, big);
  });
});

describe('stream transport: the client stops sending', () => {
  it('answers calls in flight when the input ends, then closes', async () => {
    const { output, text } = recordingOutput();
    const input = new PassThrough();
    const closed = new Promise<Error | undefined>((resolve) => new ServerConnection(echoServer(), new StreamTransport(input, output), { onClose: resolve }).start());
    input.end(call(1, 'later') + call(2, 'echo', { text: 'now' }));
    assert.equal(await closed, undefined);
    assert.deepEqual(replies(text()).map((reply) => reply.id).sort(), [1, 2]);
  });

  it('cancels what is still running at the drain timeout, answering it with an error, then closes', async () => {
    const { output, text } = recordingOutput();
    const input = new PassThrough();
    const server = echoServer();
    let signal: AbortSignal | undefined;
    server.tool('forever', {}, (_args, ctx) => {
      signal = ctx.signal;
      return new Promise(() => {});
    });
    const closed = new Promise<Error | undefined>((resolve) =>
      new ServerConnection(server, new StreamTransport(input, output), { drainTimeoutMs: 50, onClose: resolve }).start(),
    );
    input.end(call(1, 'forever') + call(2, 'echo', { text: 'now' }));
    await closed;
    assert.equal(signal?.aborted, true);
    const answers = replies(text());
    assert.deepEqual(answers.map((reply) => reply.id).sort(), [1, 2]);
    assert.match((answers.find((reply) => reply.id === 1) as unknown as { error: { message: string } }).error.message, /did not finish within the shutdown deadline \(50 ms\)/);
  });

  it('regression: a drainTimeoutMs past what a timer holds (1e12, Infinity) is no deadline: a call in flight is answered with its result (setTimeout abandoned it after 1 ms)', async () => {
    for (const drainTimeoutMs of [1e12, Number.POSITIVE_INFINITY]) {
      const { output, text } = recordingOutput();
      const input = new PassThrough();
      const server = echoServer();
      server.tool('slow', {}, () => new Promise((resolve) => setTimeout(resolve, 100, 'finished')));
      const closed = new Promise<Error | undefined>((resolve) => new ServerConnection(server, new StreamTransport(input, output), { drainTimeoutMs, onClose: resolve }).start());
      input.end(call(1, 'slow'));
      await closed;
      const [answer] = replies(text());
      assert.equal(answer?.result?.content[0].text, 'finished', `drainTimeoutMs ${drainTimeoutMs}: ${text()}`);
    }
  });

  it('notifications/cancelled aborts the handler\'s signal, and the call never answers', async () => {
    const { output, text } = recordingOutput();
    const input = new PassThrough();
    const server = echoServer();
    let aborted!: (reason: unknown) => void;
    const abortedReason = new Promise((resolve) => (aborted = resolve));
    server.tool('waits', {}, (_args, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => (aborted(ctx.signal.reason), resolve('too late')))));
    const closed = new Promise((resolve) => new ServerConnection(server, new StreamTransport(input, output), { onClose: resolve }).start());
    input.write(call(1, 'waits'));
    input.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'no longer needed' } }) + '\n');
    assert.equal((await abortedReason as Error).message, 'no longer needed');
    input.end(call(2, 'echo', { text: 'after' }));
    await closed;
    assert.deepEqual(replies(text()).map((reply) => reply.id), [2]);
  });
});
