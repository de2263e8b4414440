/** A reload asked for while one runs waits for it, and many such asks make one more run, not one each. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneAtATime } from '../../src/protocol/one-at-a-time.ts';

describe('oneAtATime', () => {
  it('runs once, then once more for all the calls that came meanwhile; a call after that runs again', async () => {
    const finishes: Array<() => void> = [];
    let runs = 0;
    const reload = oneAtATime(() => {
      runs++;
      return new Promise<void>((resolve) => finishes.push(resolve));
    });
    reload();
    for (let call = 0; call < 50; call++) reload();
    assert.equal(runs, 1, 'one at a time');
    finishes.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2, 'once more for the fifty');
    finishes.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2, 'nothing asked meanwhile: no third run');
    reload();
    assert.equal(runs, 3);
    finishes.shift()!();
  });

  it('goes on after a run that fails', async () => {
    let runs = 0;
    const reload = oneAtATime(() => {
      runs++;
      return runs === 1 ? Promise.reject(new Error('no')) : Promise.resolve();
    });
    reload();
    await new Promise((resolve) => setImmediate(resolve));
    reload();
    assert.equal(runs, 2);
  });
});
