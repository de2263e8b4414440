import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RESUME_WAITS_PER_CLIENT, ResumeWaits } from '../../src/transport/http/stream-relay.ts';

/** A wait that lasts until it is told how it ends. */
function pending<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

describe('ResumeWaits', () => {
  it("past MAX_RESUME_WAITS_PER_CLIENT a client's waits are not run; another client's are; a wait that ends, or fails, gives its place back", async () => {
    const waits = new ResumeWaits();
    const held = Array.from({ length: MAX_RESUME_WAITS_PER_CLIENT }, () => pending<string>());
    const running = held.map((wait) => waits.run('c1', () => wait.promise, 'not run'));
    let ran = false;
    assert.equal(await waits.run('c1', async () => ((ran = true), 'ran'), 'not run'), 'not run');
    assert.equal(ran, false);
    assert.equal(await waits.run('c2', async () => 'ran', 'not run'), 'ran', 'another client has its own bound');
    held[0].resolve('first');
    held[1].reject(new Error('Redis unreachable'));
    assert.equal(await running[0], 'first');
    await assert.rejects(running[1], /Redis unreachable/);
    const again = [pending<string>(), pending<string>()];
    const more = again.map((wait) => waits.run('c1', () => wait.promise, 'not run'));
    assert.equal(await waits.run('c1', async () => 'ran', 'not run'), 'not run', 'two places were given back, no more');
    for (const wait of [...held.slice(2), ...again]) wait.resolve('done');
    await Promise.all([...running.slice(2), ...more]);
    assert.equal(await waits.run('c1', async () => 'ran', 'not run'), 'ran');
  });
});
