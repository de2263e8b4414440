/** WindowCounts: fixed windows in memory, swept as they count, with a bounded number of keys. */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { WindowCounts } from '../../src/security/window-counts.ts';
import { timersStarted } from '../helpers/timers-started.ts';

describe('WindowCounts', () => {
  it('counts each key in its own window and tells the time left in it', () => {
    const counts = new WindowCounts(60);
    assert.equal(counts.add('a').count, 1);
    assert.equal(counts.add('a').count, 2);
    assert.equal(counts.add('b').count, 1);
    const { msLeft } = counts.add('a');
    assert.ok(msLeft > 59_000 && msLeft <= 60_000, `${msLeft}`);
  });

  it('starts a key over once its window ended, and sweeps the ended windows of other keys', async () => {
    const counts = new WindowCounts(1);
    for (let i = 0; i < 100; i++) counts.add(`client-${i}`);
    counts.add('a');
    counts.add('a');
    assert.equal(counts.size, 101);
    await sleep(1050);
    assert.equal(counts.add('a').count, 1, 'a new window');
    assert.equal(counts.size, 1, 'the 100 ended windows are gone');
  });

  it('past maxKeys live windows, counts new keys together and keeps the counts it holds', () => {
    const counts = new WindowCounts(60, 3);
    counts.add('a');
    counts.add('b');
    counts.add('c');
    assert.equal(counts.add('d').count, 1, 'the first newcomer starts the shared count');
    assert.equal(counts.add('e').count, 2, 'another newcomer shares it');
    assert.equal(counts.add('d').count, 3);
    assert.equal(counts.add('a').count, 2, 'a key already counted keeps its own');
    for (let i = 0; i < 10_000; i++) counts.add(`flood-${i}`);
    assert.equal(counts.size, 4, 'three keys and the shared count');
  });

  it('starts no timer, which would keep the async context it counts in (a request) for the window', () => {
    const counts = new WindowCounts(60);
    const started = timersStarted(() =>
      new AsyncLocalStorage<object>().run({ request: 'a request' }, () => {
        for (let i = 0; i < 1000; i++) counts.add(`client-${i}`);
      }),
    );
    assert.equal(started, 0);
    assert.equal(counts.size, 1000);
  });
});
