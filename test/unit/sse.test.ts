import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryEventStore, streamIdOf } from '../../src/store/event-store.ts';
import type { ResponseSink } from '../../src/transport/http/sink.ts';
import { SseParser } from '../../src/transport/http/sse-parser.ts';
import { SseStream } from '../../src/transport/http/sse.ts';

class RecordingSink implements ResponseSink {
  chunks: string[] = [];
  done = false;
  backedUp = false;
  extraHeaders = undefined;
  send(): void {
    this.done = true;
  }
  open(): void {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.done = true;
  }
  onAbort(): void {}
  onCaughtUp(): void {}
}

describe('Server-Sent Events', () => {
  it('parses events split anywhere, with ids, retry and comments', () => {
    const parser = new SseParser();
    const events = [...parser.push('id: s.1\nretry: 500\ndata: \n\n: keep-alive\nevent: mess'), ...parser.push('age\ndata: {"a":\r\ndata: 1}\n\n')];
    assert.deepEqual(events, [
      { id: 's.1', event: 'message', data: '' },
      { id: undefined, event: 'message', data: '{"a":\n1}' },
    ]);
    assert.equal(parser.retryMs, 500);
    assert.equal(parser.lastEventId, 's.1');
  });

  it('records events so a stream can be resumed after its connection drops', () => {
    const store = new MemoryEventStore();
    const first = new RecordingSink();
    const stream = new SseStream('stream-1', first, store, 1000);
    stream.prime();
    assert.match(first.chunks[0], /^id: stream-1\.1\nretry: 1000\ndata: \n\n$/);
    stream.deliver({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } });
    stream.detach();
    assert.equal(first.done, true, 'the connection closed, not the stream');
    stream.deliver({ jsonrpc: '2.0', id: 1, result: {} });
    assert.equal(streamIdOf('stream-1.2'), 'stream-1');
    const replay = store.replayAfter('stream-1.2')!;
    assert.deepEqual(
      replay.map((event) => event.id),
      ['stream-1.3'],
    );
    const second = new RecordingSink();
    stream.end();
    stream.attach(second);
    assert.equal(second.done, true, 'a stream that ended ends its new connection too');
  });

  it('bounds what it keeps per stream', () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 2 });
    for (let i = 1; i <= 5; i++) store.append('s', `s.${i}`, { jsonrpc: '2.0', method: 'm' });
    assert.deepEqual(
      store.replayAfter('s.0')!.map((event) => event.id),
      ['s.4', 's.5'],
    );
    assert.equal(store.replayAfter('unknown.1'), undefined);
  });
});

describe('SSE keep-alive', () => {
  it('keeps open streams in the shared beat and lets ended ones go', async () => {
    const { keptAlive } = await import('../../src/transport/http/keep-alive.ts');
    const before = keptAlive();
    const sink = new RecordingSink();
    const stream = new SseStream('ka', sink, undefined);
    assert.equal(keptAlive(), before + 1);
    stream.end();
    assert.equal(keptAlive(), before);
  });

  it('keeps one connection of a stream alive at a time, however often one is attached', async () => {
    const { keptAlive } = await import('../../src/transport/http/keep-alive.ts');
    const before = keptAlive();
    const first = new RecordingSink();
    const stream = new SseStream('reattached', first, undefined);
    stream.attach(first);
    assert.equal(keptAlive(), before + 1, 'the same connection attached again');
    const second = new RecordingSink();
    stream.attach(second);
    assert.equal(keptAlive(), before + 1, 'the older connection let go');
    stream.end();
    assert.equal(keptAlive(), before);
  });

  it('writes a comment line to each open stream every 15 s', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const sink = new RecordingSink();
    const stream = new SseStream('quiet', sink, undefined);
    t.mock.timers.tick(15_000);
    t.mock.timers.tick(15_000);
    assert.deepEqual(sink.chunks, [':\n\n', ':\n\n']);
    stream.end();
  });
});
