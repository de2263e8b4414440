/**
 * Lengths of time the process measures itself follow the time that passes, not the wall
 * clock, which NTP or a resumed virtual machine can set back or forward by an hour: each case
 * steps the wall clock alone (test/helpers/clocks.ts) and checks that nothing waits, or
 * expires, with it.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConsecutiveBreaker } from 'cockatiel';
import { ResultCache } from '../../src/client/result-cache.ts';
import { PendingRequests } from '../../src/client/requests.ts';
import { Breaker } from '../../src/manager/breaker.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { atMostEvery } from '../../src/protocol/report-interval.ts';
import { ClientFailurePause } from '../../src/security/client-failure-pause.ts';
import { FailurePause } from '../../src/security/failure-pause.ts';
import { TokenCache } from '../../src/security/token-cache.ts';
import { WindowCounts } from '../../src/security/window-counts.ts';
import { mockClocks, type MockClocks } from '../helpers/clocks.ts';

const HOUR = 3_600_000;
const down = new Error('down');

/** Whether `attempt` ran under `pause` (it did not when the pause refused at once). */
async function asked(run: (attempt: () => Promise<void>) => Promise<void>): Promise<boolean> {
  let ran = false;
  await run(async () => {
    ran = true;
  }).catch(() => undefined);
  return ran;
}

describe('regression: a wall clock set back or forward (lengths of time were measured on it)', () => {
  let clocks: MockClocks;
  beforeEach(() => (clocks = mockClocks(['setTimeout', 'setInterval'])));
  afterEach(() => clocks.reset());

  it('a rate-limit window ends when its time has passed: a client at its limit was refused for the hour the clock went back', () => {
    const counts = new WindowCounts(1);
    counts.add('client');
    assert.equal(counts.add('client').count, 2);
    clocks.stepWall(-HOUR);
    clocks.tick(1000);
    assert.deepEqual(counts.add('client'), { count: 1, msLeft: 1000 });
  });

  it("a circuit breaker half-opens once its time has passed: an upstream's was left open for the hour the clock went back", () => {
    const breaker = new Breaker(new ConsecutiveBreaker(1), 10_000);
    breaker.failed(breaker.admit() as never, true);
    assert.equal(breaker.state, 'open');
    clocks.stepWall(-HOUR);
    clocks.tick(10_000);
    breaker.admit();
    assert.equal(breaker.state, 'half-open');
  });

  it("a failure's pause ends when its time has passed, for everyone and for one client (an authorization server was not asked again for the hour)", async () => {
    const pause = new FailurePause(5000);
    await pause.run(() => Promise.reject(down)).catch(() => undefined);
    const perClient = new ClientFailurePause(5000);
    await perClient.run('a', () => Promise.reject(down), () => true).catch(() => undefined);
    clocks.stepWall(-HOUR);
    clocks.tick(5000);
    assert.equal(await asked((attempt) => pause.run(attempt)), true);
    assert.equal(await asked((attempt) => perClient.run('a', attempt, () => true)), true);
  });

  it('a repeating failure is reported again once the interval has passed (nothing was, for the hour)', () => {
    const seen: number[] = [];
    const report = atMostEvery(10_000, (n: number) => seen.push(n));
    report(1);
    clocks.stepWall(-HOUR);
    clocks.tick(10_000);
    report(2);
    assert.deepEqual(seen, [1, 2]);
  });

  it("the client's cache keeps a result for its ttlMs: it served it stale for the hour the clock went back", () => {
    const cache = new ResultCache();
    cache.set('tools/list', { tools: [], ttlMs: 1000 });
    clocks.stepWall(-HOUR);
    assert.equal(cache.get('tools/list')?.ttlMs, 1000);
    clocks.tick(1000);
    assert.equal(cache.get('tools/list'), undefined);
  });

  it('a verified token is remembered for maxAgeMs: one revoked at the authorization server was accepted for the hour the clock went back', () => {
    const accepted = new TokenCache<string>({ maxEntries: 10, maxAgeMs: 60_000 });
    accepted.set('opaque-token', 'alice', Date.now() + 3 * HOUR);
    clocks.stepWall(-HOUR);
    clocks.tick(59_000);
    assert.equal(accepted.get('opaque-token'), 'alice');
    clocks.tick(1000);
    assert.equal(accepted.get('opaque-token'), undefined, 'asked again once its minute has passed');
  });

  it("a verified token's expiry stays a time of day: set forward past it, the token is no longer remembered", () => {
    const accepted = new TokenCache<string>({ maxEntries: 10, maxAgeMs: 60_000 });
    accepted.set('jwt', 'alice', Date.now() + 30_000);
    clocks.stepWall(HOUR);
    assert.equal(accepted.get('jwt'), undefined);
  });

  it("a request's long timeout fires when its time has passed: set forward, every one in flight timed out at once", async () => {
    const pending = new PendingRequests(() => undefined);
    let failure: unknown;
    pending.track(1, 'tools/call', { timeoutMs: 60_000 }, 5).catch((error: unknown) => (failure = error));
    const failed = (): unknown => failure;
    clocks.stepWall(HOUR);
    clocks.tick(1000);
    await Promise.resolve();
    assert.equal(failed(), undefined);
    assert.equal(pending.size, 1);
    clocks.tick(60_000);
    await Promise.resolve();
    const error = failed();
    assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.Timeout, String(error));
  });
});
