/** SharedRead: reads shared while under way and budgeted (a burst, then one per maxAgeMs). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BURST, SharedRead } from '../../src/observability/shared-read.ts';

interface Value {
  n: number;
  at: number;
}

/** A read that counts itself, each resolving when the test says (or at once). */
function counted(at: () => number = Date.now) {
  let reads = 0;
  const held: Array<() => void> = [];
  let hold = false;
  const read = () =>
    new Promise<Value>((resolve) => {
      const value = { n: ++reads, at: at() };
      if (hold) held.push(() => resolve(value));
      else resolve(value);
    });
  return {
    read,
    get reads() {
      return reads;
    },
    holdNext(on: boolean) {
      hold = on;
    },
    release() {
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

/** What a request gets: the last read if the budget says so, else the read under way or a new one. */
const ask = <T>(shared: SharedRead<T>): Promise<T> => Promise.resolve(shared.current() ?? shared.next());

// A long maxAgeMs: no token comes back while a test runs, however slow the machine.
const LONG_MS = 600_000;

describe('SharedRead', () => {
  it('reads a burst, then answers with the last read', async () => {
    const source = counted();
    const shared = new SharedRead(source.read, { maxAgeMs: LONG_MS, readAt: (v) => v.at });
    const answers: Value[] = [];
    for (let i = 0; i < BURST + 5; i++) answers.push(await ask(shared));
    assert.equal(source.reads, BURST);
    assert.deepEqual(answers.map((a) => a.n), [...Array.from({ length: BURST }, (_, i) => i + 1), ...Array(5).fill(BURST)]);
  });

  it('requests arriving during a read share it', async () => {
    const source = counted();
    const shared = new SharedRead(source.read, { maxAgeMs: LONG_MS, readAt: (v) => v.at });
    source.holdNext(true);
    const waiting = Array.from({ length: 50 }, () => ask(shared));
    source.release();
    const answers = await Promise.all(waiting);
    assert.equal(source.reads, 1);
    assert.ok(answers.every((a) => a.n === 1));
  });

  it('maxAgeMs 0: a read per request in a row (shared while under way only)', async () => {
    const source = counted();
    const shared = new SharedRead(source.read, { maxAgeMs: 0, readAt: (v) => v.at });
    for (let i = 0; i < BURST * 2; i++) await ask(shared);
    assert.equal(source.reads, BURST * 2);
  });

  it('past the budget, a last read that is maxAgeMs old or more (another process read it) is not answered', async () => {
    const source = counted(() => Date.now() - LONG_MS);
    const shared = new SharedRead(source.read, { maxAgeMs: LONG_MS, readAt: (v) => v.at });
    for (let i = 0; i < BURST + 5; i++) await ask(shared);
    assert.equal(source.reads, BURST + 5);
  });

  it('a failed read is not kept: the next request reads again', async () => {
    let reads = 0;
    const shared = new SharedRead<Value>(
      async () => {
        if (++reads === 1) throw new Error('gather failed');
        return { n: reads, at: Date.now() };
      },
      { maxAgeMs: LONG_MS, readAt: (v) => v.at },
    );
    await assert.rejects(ask(shared), /gather failed/);
    assert.equal((await ask(shared)).n, 2);
  });

  it('forget(): the next request reads anew, and a read under way when forgotten is not kept', async () => {
    const source = counted();
    const shared = new SharedRead(source.read, { maxAgeMs: LONG_MS, readAt: (v) => v.at });
    for (let i = 0; i < BURST; i++) await ask(shared);
    source.holdNext(true);
    const before = shared.next();
    shared.forget();
    const after = shared.next();
    source.release();
    assert.deepEqual([(await before).n, (await after).n], [BURST + 1, BURST + 2]);
    assert.equal((await ask(shared)).n, BURST + 2, 'the read begun after forget() is kept');
  });

  it('refuses a maxAgeMs that is not a number >= 0', () => {
    for (const maxAgeMs of [-1, Number.NaN, Infinity]) assert.throws(() => new SharedRead(async () => 1, { maxAgeMs, readAt: () => 0 }), RangeError);
  });
});
