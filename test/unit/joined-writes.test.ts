/**
 * JoinedWrites: frames held for one write go out as one string, in order, once a turn or when
 * asked; a stream that is not keeping up is reported only when it said so itself (a 'drain'
 * follows), and what is held never grows past the stream's high-water mark.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { JoinedWrites } from '../../src/transport/joined-writes.ts';

/** A stream that records each write, and completes a write only when told to (`complete`). */
function recording(highWaterMark = 1024) {
  const writes: string[] = [];
  const pending: Array<() => void> = [];
  const output = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      writes.push(chunk);
      pending.push(callback);
    },
  });
  const complete = () => {
    for (const callback of pending.splice(0)) callback();
  };
  return { output, writes, complete };
}

describe('JoinedWrites', () => {
  it('writes what is held as one string, in order, when asked', () => {
    const { output, writes } = recording();
    const joined = new JoinedWrites(output);
    assert.equal(joined.hold('a\n'), true);
    assert.equal(joined.hold('b\n'), true);
    assert.equal(joined.length, 4);
    assert.deepEqual(writes, []);
    assert.equal(joined.write(), true);
    assert.deepEqual(writes, ['a\nb\n']);
    assert.equal(joined.length, 0);
    // Nothing held: no write at all.
    joined.write();
    assert.deepEqual(writes, ['a\nb\n']);
  });

  it('writes what one turn held once that turn is over', async () => {
    const { output, writes, complete } = recording();
    const joined = new JoinedWrites(output);
    joined.holdForTurn('1\n');
    joined.holdForTurn('2\n');
    joined.holdForTurn('3\n');
    assert.deepEqual(writes, []);
    await nextTurn();
    assert.deepEqual(writes, ['1\n2\n3\n']);
    complete();
    joined.holdForTurn('4\n');
    await nextTurn();
    assert.deepEqual(writes, ['1\n2\n3\n', '4\n']);
  });

  it('writes at once what reaches the high-water mark, and says the stream is full only once it is', async () => {
    const { output, writes, complete } = recording(10);
    const joined = new JoinedWrites(output);
    assert.equal(joined.hold('12345'), true);
    // 10 characters held: written now, and the stream, holding them unwritten, is full.
    assert.equal(joined.hold('67890'), false);
    assert.deepEqual(writes, ['1234567890']);
    assert.equal(joined.length, 0);
    // While the stream is full, holding says so (its 'drain' is due).
    assert.equal(joined.hold('x'), false);
    let drained = false;
    output.once('drain', () => (drained = true));
    complete();
    await nextTurn();
    assert.equal(drained, true);
    assert.equal(joined.hold('y'), true);
    joined.write();
    assert.deepEqual(writes, ['1234567890', 'xy']);
  });

  it('writes nothing to a stream that has ended', async () => {
    const { output, writes, complete } = recording();
    const joined = new JoinedWrites(output);
    let failed: unknown;
    output.on('error', (error) => (failed = error));
    output.end();
    joined.holdForTurn('late\n');
    complete();
    await nextTurn();
    assert.deepEqual(writes, []);
    assert.equal(failed, undefined);
  });
});
