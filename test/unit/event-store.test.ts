/**
 * The memory event store's bounds: events per stream, characters of JSON in all (the streams
 * written to least recently forgotten whole), and age; what it counts follows what it keeps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage } from '../../src/protocol/encode.ts';
import type { JsonRpcMessage } from '../../src/protocol/jsonrpc.ts';
import { makeEventId, MemoryEventStore } from '../../src/store/event-store.ts';

const note = (text: string): JsonRpcMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: text } });
const length = (text: string) => encodeMessage(note(text)).length;

function append(store: MemoryEventStore, stream: string, sequence: number, text: string): void {
  store.append(stream, makeEventId(stream, sequence), note(text));
}

describe('MemoryEventStore', () => {
  it('past maxChars forgets the streams written to least recently, whole, and counts what it keeps', () => {
    const each = length('x'.repeat(100));
    const store = new MemoryEventStore({ maxChars: each * 3 });
    append(store, 'a', 1, 'x'.repeat(100));
    append(store, 'b', 1, 'x'.repeat(100));
    append(store, 'a', 2, 'x'.repeat(100));
    assert.equal(store.chars, each * 3);
    // b is the least recently written: it goes, whole; a stays.
    append(store, 'c', 1, 'x'.repeat(100));
    assert.equal(store.replayAfter(makeEventId('b', 0)), undefined);
    assert.deepEqual(store.replayAfter(makeEventId('a', 0))?.length, 2);
    assert.equal(store.chars, each * 3);
    // One event alone past the bound is not kept, and takes the others with it.
    append(store, 'd', 1, 'x'.repeat(1000));
    assert.equal(store.size, 0);
    assert.equal(store.chars, 0);
  });

  it('counts the events dropped past maxEventsPerStream, and those of streams dropped or swept', () => {
    const store = new MemoryEventStore({ maxEventsPerStream: 2, ttlMs: 1000 });
    for (let sequence = 1; sequence <= 5; sequence++) append(store, 'a', sequence, 'x'.repeat(sequence));
    assert.deepEqual(
      store.replayAfter(makeEventId('a', 0))?.map((event) => event.id),
      [makeEventId('a', 4), makeEventId('a', 5)],
    );
    assert.equal(store.chars, length('xxxx') + length('xxxxx'));
    append(store, 'b', 1, 'b');
    store.drop('a');
    assert.equal(store.chars, length('b'));
    store.sweep(Date.now() + 1001);
    assert.equal(store.chars, 0);
    assert.equal(store.size, 0);
  });

  it("takes the caller's text for the length when given, and encodes the message when not", () => {
    const store = new MemoryEventStore();
    store.append('a', makeEventId('a', 1), note('x'), 'y'.repeat(50));
    assert.equal(store.chars, 50);
    store.append('a', makeEventId('a', 2), note('x'));
    assert.equal(store.chars, 50 + length('x'));
  });
});
