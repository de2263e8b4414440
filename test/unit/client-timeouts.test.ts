/**
 * Request timeouts of the client's request table: short ones on a timer each, long ones on one
 * shared coarse timer; progress restarts either, and the total cap holds. Driven by node:test's
 * mock timers, so nothing here waits on a clock.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { PendingRequests } from '../../src/client/requests.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { Cancellation } from '../../src/protocol/cancellation.ts';
import { mockClocks, type MockClocks } from '../helpers/clocks.ts';

const timedOut = (error: unknown) => error instanceof McpLocalError && error.code === LocalErrorCode.Timeout;

/** Whether `promise` has settled by now (after pending microtasks ran). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('client request timeouts', () => {
  let cancels: Array<[unknown, string]>;
  let pending: PendingRequests;
  let clocks: MockClocks;
  beforeEach(() => {
    clocks = mockClocks(['setTimeout', 'setInterval']);
    cancels = [];
    pending = new PendingRequests((id, reason) => cancels.push([id, reason]));
  });
  afterEach(() => clocks.reset());

  for (const timeoutMs of [1000, 60_000]) {
    it(`a ${timeoutMs} ms timeout fails the request, tells the server, and progress restarts it`, async () => {
      const request = pending.track(1, 'tools/call', { timeoutMs, onProgress: () => undefined }, 5);
      request.catch(() => undefined);
      mock.timers.tick(timeoutMs * 0.9);
      assert.equal(pending.progress(1, { progress: 1 }), true);
      mock.timers.tick(timeoutMs * 0.9);
      assert.equal(await settled(request), false, 'progress restarted the timeout');
      mock.timers.tick(timeoutMs * 0.2);
      await assert.rejects(request, timedOut);
      assert.deepEqual(cancels, [[1, 'timeout']]);
      assert.equal(pending.size, 0);
    });
  }

  it('a long timeout fires at most 5% late, and the total cap holds however much progress comes', async () => {
    const request = pending.track(2, 'tools/call', { timeoutMs: 10_000, maxTotalTimeoutMs: 25_000, onProgress: () => undefined }, 60_000);
    request.catch(() => undefined);
    for (let i = 0; i < 4; i++) {
      mock.timers.tick(6000);
      pending.progress(2, { progress: i });
    }
    mock.timers.tick(1500);
    await assert.rejects(request, (error: unknown) => timedOut(error) && /a total of 25000 ms/.test((error as Error).message));
  });

  it('the total cap is reported as such when its timer fires a millisecond before the clock reaches it', async () => {
    // libuv's timers run on a cached, whole-millisecond clock: one can fire while the clock
    // still reads just before the deadline.
    clocks.reset();
    mock.timers.enable({ apis: ['setTimeout'] });
    let clock = 1_000_000;
    const now = mock.method(performance, 'now', () => clock);
    try {
      const request = pending.track(5, 'tools/call', { timeoutMs: 1500, maxTotalTimeoutMs: 500, onProgress: () => undefined }, 60_000);
      request.catch(() => undefined);
      clock += 499;
      mock.timers.tick(500);
      await assert.rejects(request, (error: unknown) => timedOut(error) && /a total of 500 ms/.test((error as Error).message));
    } finally {
      now.mock.restore();
    }
  });

  for (const timeoutMs of [1000, 60_000]) {
    it(`a ${timeoutMs} ms timeout is held while the client answers the request's question, and the total moves on by that time`, async () => {
      const request = pending.track(6, 'tools/call', { timeoutMs, maxTotalTimeoutMs: timeoutMs * 3 }, 5);
      request.catch(() => undefined);
      const entry = pending.get(6)!;
      mock.timers.tick(timeoutMs * 0.9);
      pending.hold(entry);
      pending.hold(entry); // a second question at once
      mock.timers.tick(timeoutMs * 10); // the user thinks
      pending.resume(entry);
      mock.timers.tick(timeoutMs * 10);
      assert.equal(await settled(request), false, 'timed out while a question was still being answered');
      pending.resume(entry);
      mock.timers.tick(timeoutMs * 0.9);
      assert.equal(await settled(request), false, 'the timeout starts again in full after the answer');
      mock.timers.tick(timeoutMs * 0.2);
      await assert.rejects(request, (error: unknown) => timedOut(error) && new RegExp(`after ${timeoutMs} ms`).test((error as Error).message));
    });
  }

  it('an answered or cancelled request leaves no timer behind', async () => {
    const answered = pending.track(3, 'tools/call', {}, 60_000);
    assert.equal(pending.settle({ jsonrpc: '2.0', id: 3, result: { ok: true } }), true);
    assert.deepEqual(await answered, { ok: true });
    const cancellation = new Cancellation();
    const cancelled = pending.track(4, 'tools/call', { cancellation }, 60_000);
    cancellation.cancel('the caller left');
    await assert.rejects(cancelled, (error: unknown) => error instanceof McpLocalError && error.code === LocalErrorCode.Cancelled);
    mock.timers.tick(120_000);
    assert.deepEqual(cancels, [[4, 'the caller left']]);
  });
});
