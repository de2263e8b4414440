import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokenCircuitError, BulkheadRejectedError, ConsecutiveBreaker, TaskCancelledError } from 'cockatiel';
import { Breaker, type BreakerState } from '../../src/manager/breaker.ts';
import { Bulkhead, CallSlot } from '../../src/manager/bulkhead.ts';
import { SlotWaitTimeout, type Cancellable } from '../../src/manager/wait-line.ts';
import { parseManagerConfig } from '../../src/manager/config.ts';
import { classify, UpstreamFailure } from '../../src/manager/failures.ts';
import { UpstreamPolicies } from '../../src/manager/policies.ts';
import { Cancellation, type CancelListener } from '../../src/protocol/cancellation.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';

const dead = () => new UpstreamFailure('u', 'dead', 'gone');

/** A call that took a slot of `bulkhead` and then asked its caller a question (its slot given back). */
function askingCall(bulkhead: Bulkhead, call?: Cancellable): CallSlot {
  const slot = new CallSlot();
  bulkhead.acquire(call);
  slot.took(bulkhead, call);
  slot.asking();
  return slot;
}

describe('circuit breaker', () => {
  it('opens after N faults in a row and refuses calls while open', () => {
    const changes: BreakerState[] = [];
    const breaker = new Breaker(new ConsecutiveBreaker(3), 60_000, (state) => changes.push(state));
    for (let i = 0; i < 2; i++) breaker.failed(breaker.admit() as never, true);
    assert.equal(breaker.state, 'closed');
    breaker.failed(breaker.admit() as never, true);
    assert.equal(breaker.state, 'open');
    assert.throws(() => breaker.admit(), BrokenCircuitError);
    assert.deepEqual(changes, ['open']);
  });

  it('counts only faults: a success or another failure in between starts the count over or leaves it be', () => {
    const breaker = new Breaker(new ConsecutiveBreaker(2), 60_000);
    breaker.failed(breaker.admit() as never, true);
    breaker.succeeded(breaker.admit() as never);
    breaker.failed(breaker.admit() as never, true);
    assert.equal(breaker.state, 'closed');
    breaker.failed(breaker.admit() as never, false); // not the upstream's fault: not counted, nor a success
    assert.equal(breaker.state, 'closed');
    breaker.failed(breaker.admit() as never, true);
    assert.equal(breaker.state, 'open');
  });

  it('half-open: one probe goes through, the others wait for its verdict; success closes', async () => {
    const changes: BreakerState[] = [];
    const breaker = new Breaker(new ConsecutiveBreaker(1), 0, (state) => changes.push(state));
    breaker.failed(breaker.admit() as never, true);
    const probe = breaker.admit();
    assert.equal(breaker.state, 'half-open');
    const waiting = breaker.admit();
    assert.ok(waiting instanceof Promise);
    let released = false;
    void waiting.then(() => (released = true));
    await Promise.resolve();
    assert.equal(released, false);
    breaker.succeeded(probe as never);
    await waiting;
    assert.equal(breaker.state, 'closed');
    assert.ok(!(breaker.admit() instanceof Promise));
    assert.deepEqual(changes, ['open', 'half-open', 'closed']);
  });

  it('half-open: a failed probe opens the circuit again; a probe that fails for another reason closes it', () => {
    const breaker = new Breaker(new ConsecutiveBreaker(1), 0);
    breaker.failed(breaker.admit() as never, true);
    breaker.failed(breaker.admit() as never, true);
    assert.equal(breaker.state, 'open');
    const probe = breaker.admit();
    breaker.failed(probe as never, false);
    assert.equal(breaker.state, 'closed');
  });

  it('a call cancelled while it waited for the probe does not run', async () => {
    const breaker = new Breaker(new ConsecutiveBreaker(1), 0);
    breaker.failed(breaker.admit() as never, true);
    const probe = breaker.admit();
    const cancellation = new Cancellation();
    const waiter = breaker.admitted(breaker.admit(cancellation) as Promise<void>, cancellation);
    cancellation.cancel('gone'); // the verdict comes in the same turn: the call still does not run
    breaker.succeeded(probe as never);
    await assert.rejects(waiter, TaskCancelledError);
  });

  it('asked again after a wait: lets a call through while closed or its own probe runs, refuses it once the circuit opened or another probe runs', () => {
    const breaker = new Breaker(new ConsecutiveBreaker(1), 60_000);
    const closed = breaker.admit() as never;
    assert.equal(breaker.readmit(closed), closed);
    breaker.failed(breaker.admit() as never, true);
    assert.throws(() => breaker.readmit(closed), BrokenCircuitError);
    const soon = new Breaker(new ConsecutiveBreaker(1), 0);
    const early = soon.admit() as never;
    soon.failed(soon.admit() as never, true);
    const probe = soon.readmit(early); // open long enough: the call that waited becomes the probe
    assert.equal(soon.state, 'half-open');
    assert.equal(soon.readmit(probe), probe);
    assert.throws(() => soon.readmit(early), BrokenCircuitError); // another's probe runs: fail fast
    soon.succeeded(probe);
    assert.equal(soon.readmit(early), early);
  });

  it('a probe that never ran (no slot) is no verdict: the circuit stays open, and a call waiting on it becomes the next probe', async () => {
    const changes: BreakerState[] = [];
    const breaker = new Breaker(new ConsecutiveBreaker(1), 1, (state) => changes.push(state));
    breaker.failed(breaker.admit() as never, true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const probe = breaker.admit();
    const waiting = breaker.admit();
    assert.ok(waiting instanceof Promise);
    const next = breaker.admitted(waiting);
    breaker.withdrawn(probe as never);
    assert.equal(breaker.state, 'open');
    const second = await next;
    assert.equal(breaker.state, 'half-open');
    assert.notEqual(second, probe);
    breaker.succeeded(second);
    assert.deepEqual(changes, ['open', 'half-open', 'open', 'half-open', 'closed']);
  });
});

describe('bulkhead', () => {
  it('takes free slots at once, queues in order, refuses past the queue, hands a released slot to the oldest', async () => {
    const bulkhead = new Bulkhead(2, 2);
    assert.equal(bulkhead.acquire(), undefined);
    assert.equal(bulkhead.acquire(), undefined);
    const order: number[] = [];
    const first = bulkhead.acquire()!.then(() => order.push(1));
    const second = bulkhead.acquire()!.then(() => order.push(2));
    assert.deepEqual([bulkhead.running, bulkhead.queued], [2, 2]);
    assert.throws(() => bulkhead.acquire(), BulkheadRejectedError);
    bulkhead.release();
    await first;
    assert.deepEqual([bulkhead.running, bulkhead.queued], [2, 1]);
    bulkhead.release();
    await second;
    assert.deepEqual(order, [1, 2]);
    bulkhead.release();
    bulkhead.release();
    assert.deepEqual([bulkhead.running, bulkhead.queued], [0, 0]);
  });

  it('a call asking its caller gives its slot back, and takes one again ahead of the queue, never refused', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const slot = askingCall(bulkhead);
    slot.asking(); // a second question at once: the slot was given back already
    assert.equal(bulkhead.running, 0);
    assert.equal(bulkhead.acquire(), undefined); // another call runs meanwhile
    const queued = bulkhead.acquire()!;
    assert.equal(slot.answered(), undefined); // one question still open
    const resumed = slot.answered()!; // the last: waits for a slot, though the queue is full
    assert.ok(resumed instanceof Promise);
    let queuedRan = false;
    void queued.then(() => (queuedRan = true));
    bulkhead.release(); // the other call ends: the answered call goes first
    await resumed;
    await Promise.resolve();
    assert.equal(queuedRan, false);
    assert.equal(slot.over(), true); // its run ends holding the slot, which it gives back
    bulkhead.release();
    await queued;
    bulkhead.release();
    assert.deepEqual([bulkhead.running, bulkhead.queued], [0, 0]);
  });

  it('a call whose run ends while it waits for its caller, or for its slot again, gives back nothing twice', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const parked = askingCall(bulkhead);
    assert.equal(parked.over(), false); // ended (cancelled, timed out) while its caller was asked
    assert.equal(parked.answered(), undefined);
    assert.equal(bulkhead.running, 0);

    const resuming = askingCall(bulkhead);
    bulkhead.acquire(); // another call takes the slot
    const waiting = resuming.answered()!;
    assert.equal(resuming.over(), false); // ended while waiting for its slot again
    bulkhead.release(); // the slot goes to it, and straight back
    await waiting;
    assert.deepEqual([bulkhead.running, bulkhead.queued], [0, 0]);
  });
});

describe('bulkhead: a call cancelled while it waits', () => {
  /** A Cancellation that counts its listeners: a call must listen only while it waits. */
  class Counted extends Cancellation {
    listeners = 0;
    override addListener(listener: CancelListener): void {
      this.listeners++;
      super.addListener(listener);
    }
    override removeListener(listener: CancelListener): void {
      this.listeners--;
      super.removeListener(listener);
    }
  }

  /** Lets settled promises' reactions run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  for (const [position, index] of [['first', 0], ['middle', 1], ['last', 2]] as const) {
    it(`leaves the queue at once when it is the ${position}; the others keep their order and a new call takes its place`, async () => {
      const bulkhead = new Bulkhead(1, 3);
      assert.equal(bulkhead.acquire(), undefined);
      const calls = [0, 1, 2].map(() => new Counted());
      const granted: number[] = [];
      const waits = calls.map((cancellation, i) => bulkhead.acquire({ cancellation })!.then(() => granted.push(i)));
      assert.deepEqual(calls.map((call) => call.listeners), [1, 1, 1]);
      calls[index].cancel('gone');
      await assert.rejects(waits[index], TaskCancelledError);
      assert.deepEqual([bulkhead.running, bulkhead.queued], [1, 2]);
      // Its place is free: a new call queues rather than being refused as overloaded.
      const late = bulkhead.acquire()!.then(() => granted.push(3));
      assert.throws(() => bulkhead.acquire(), BulkheadRejectedError);
      for (let i = 0; i < 3; i++) {
        bulkhead.release();
        await settle();
      }
      await late;
      assert.deepEqual(granted, [0, 1, 2, 3].filter((i) => i !== index));
      assert.deepEqual(calls.map((call) => call.listeners), [0, 0, 0]);
      bulkhead.release();
      assert.deepEqual([bulkhead.running, bulkhead.queued], [0, 0]);
    });
  }

  it('after its slot was granted, a cancellation changes nothing; a call that never waited never listened', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const first = new Counted();
    assert.equal(bulkhead.acquire({ cancellation: first }), undefined);
    assert.equal(first.listeners, 0);
    const second = new Counted();
    const waiting = bulkhead.acquire({ cancellation: second })!;
    bulkhead.release();
    await waiting;
    assert.equal(second.listeners, 0);
    second.cancel('too late');
    assert.deepEqual([bulkhead.running, bulkhead.queued], [1, 0]);
    bulkhead.release();
    assert.deepEqual([bulkhead.running, bulkhead.queued], [0, 0]);
  });

  it("leaves on its AbortSignal too; one cancelled before it would wait takes no place", async () => {
    const bulkhead = new Bulkhead(1, 1);
    bulkhead.acquire();
    const caller = new AbortController();
    const waiting = bulkhead.acquire({ signal: caller.signal })!;
    caller.abort();
    assert.equal(bulkhead.queued, 0);
    await assert.rejects(waiting, TaskCancelledError);
    await assert.rejects(bulkhead.acquire({ signal: caller.signal })!, TaskCancelledError);
    assert.equal(bulkhead.queued, 0);
    bulkhead.release();
    assert.deepEqual([bulkhead.running, bulkhead.queued], [0, 0]);
  });

  it('an answered call cancelled while it waits to take a slot again leaves at once; the next slot goes to the queue', async () => {
    const bulkhead = new Bulkhead(1, 1);
    const cancellation = new Counted();
    const slot = askingCall(bulkhead, { cancellation });
    bulkhead.acquire(); // another call takes the slot
    const queued = bulkhead.acquire()!;
    const resuming = slot.answered()!;
    assert.deepEqual([bulkhead.running, bulkhead.queued, cancellation.listeners], [1, 2, 1]);
    cancellation.cancel('gone');
    await assert.rejects(resuming, TaskCancelledError);
    assert.deepEqual([bulkhead.running, bulkhead.queued, cancellation.listeners], [1, 1, 0]);
    assert.equal(slot.over(), false); // its run ends holding no slot
    bulkhead.release(); // the other call ends: its slot goes to the queued call
    await queued;
    assert.deepEqual([bulkhead.running, bulkhead.queued], [1, 0]);
    bulkhead.release();
    assert.deepEqual([bulkhead.running, bulkhead.queued], [0, 0]);
  });

  it('keeps the order and an exact count through thousands of calls queued, cancelled anywhere and granted', async () => {
    // A fixed pseudo-random sequence (a linear congruential generator): the same every run.
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const bulkhead = new Bulkhead(1, 64);
    bulkhead.acquire();
    /** The calls waiting as they should be, oldest first. */
    const model: Array<{ id: number; cancellation: Cancellation }> = [];
    const granted: number[] = [];
    const expected: number[] = [];
    for (let id = 0; id < 20_000; id++) {
      const step = next(10);
      if (step < 5 && model.length < 64) {
        const cancellation = new Cancellation();
        bulkhead.acquire({ cancellation })!.then(() => granted.push(id), () => undefined);
        model.push({ id, cancellation });
      } else if (step < 8 && model.length > 0) {
        const [left] = model.splice(next(model.length), 1);
        left.cancellation.cancel('gone');
      } else if (model.length > 0) {
        expected.push(model.shift()!.id);
        bulkhead.release();
      }
      assert.equal(bulkhead.queued, model.length);
    }
    await settle();
    assert.ok(expected.length > 1000, `${expected.length} calls granted`);
    assert.deepEqual(granted, expected);
    assert.equal(bulkhead.running, 1);
  });
});

describe('upstream policies', () => {
  const spec = (options: object) => parseManagerConfig({ mcpServers: { u: { command: 'x', ...options } } }).upstreams[0];

  it('retries a safe call after a lost connection, up to `retries`, and never an unsafe one', async () => {
    const policies = new UpstreamPolicies(spec({ retries: 2 }));
    let attempts = 0;
    const failing = () => {
      attempts++;
      return Promise.reject(dead());
    };
    await assert.rejects(policies.run(failing, true, {}), UpstreamFailure);
    assert.equal(attempts, 3);
    attempts = 0;
    await assert.rejects(policies.run(failing, false, {}), UpstreamFailure);
    assert.equal(attempts, 1);
    let tries = 0;
    const recovering = () => (++tries === 1 ? Promise.reject(new McpLocalError(LocalErrorCode.ConnectionClosed, 'broke')) : Promise.resolve('ok'));
    assert.equal(await policies.run(recovering, true, {}), 'ok');
    assert.equal(policies.running, 0);
  });

  it('with a failureRate, opens once more than that share of the last `window` calls failed, far fewer than consecutiveFailures', async () => {
    const policies = new UpstreamPolicies(spec({ breaker: { consecutiveFailures: 100, failureRate: 0.5, window: 10, halfOpenAfterMs: 60_000 } }));
    const ok = () => Promise.resolve('ok');
    const failing = () => Promise.reject(dead());
    for (let i = 0; i < 5; i++) assert.equal(await policies.run(ok, false, {}), 'ok');
    for (let i = 0; i < 5; i++) await assert.rejects(policies.run(failing, false, {}), UpstreamFailure);
    assert.equal(policies.breakerState, 'closed', 'half of the last 10 failed: not more than the share');
    await assert.rejects(policies.run(failing, false, {}), UpstreamFailure);
    assert.equal(policies.breakerState, 'open', '6 of the last 10 failed');
    let ran = false;
    await assert.rejects(policies.run(() => ((ran = true), ok()), false, {}), BrokenCircuitError);
    assert.equal(ran, false);
  });

  it('without a failureRate, failures that never come consecutiveFailures in a row never open it', async () => {
    const policies = new UpstreamPolicies(spec({ breaker: { consecutiveFailures: 2 } }));
    for (let i = 0; i < 20; i++) {
      await assert.rejects(policies.run(() => Promise.reject(dead()), false, {}), UpstreamFailure);
      assert.equal(await policies.run(() => Promise.resolve('ok'), false, {}), 'ok');
    }
    assert.equal(policies.breakerState, 'closed');
  });

  it('does not retry a cancelled call, nor a failure a new attempt cannot cure', async () => {
    const policies = new UpstreamPolicies(spec({ retries: 2 }));
    const cancellation = new Cancellation();
    let attempts = 0;
    await assert.rejects(
      policies.run(() => {
        attempts++;
        cancellation.cancel('gone');
        return Promise.reject(dead());
      }, true, { cancellation }),
    );
    assert.equal(attempts, 1);
    attempts = 0;
    await assert.rejects(policies.run(() => (attempts++, Promise.reject(new McpLocalError(LocalErrorCode.Timeout, 'slow'))), true, {}));
    assert.equal(attempts, 1);
  });

  it('a call cancelled in the queue rejects at once, does not run, and is not counted by the breaker', async () => {
    const policies = new UpstreamPolicies(spec({ maxConcurrency: 1, maxQueue: 1, breaker: { consecutiveFailures: 1 } }));
    let finish: (value: string) => void = () => undefined;
    const busy = policies.run(() => new Promise<string>((resolve) => (finish = resolve)), false, {});
    const cancellation = new Cancellation();
    let ran = false;
    const queued = policies.run(() => ((ran = true), Promise.resolve('x')), false, { cancellation });
    assert.equal(policies.queued, 1);
    cancellation.cancel('gone');
    assert.equal(policies.queued, 0);
    await assert.rejects(queued, TaskCancelledError);
    assert.deepEqual([policies.running, policies.queued, policies.breakerState], [1, 0, 'closed']);
    finish('done');
    assert.equal(await busy, 'done');
    assert.equal(ran, false);
    assert.equal(policies.running, 0);
  });

  /** Settles first: `promise`, or after `ms` the string 'still waiting'. */
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), new Promise<string>((resolve) => setTimeout(resolve, ms, 'still waiting'))]);

  it('a queued call that gets its slot after the breaker opened gives it back and fails fast; so do the ones after it', async () => {
    const policies = new UpstreamPolicies(spec({ maxConcurrency: 1, maxQueue: 4, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } }));
    let fail: (error: Error) => void = () => undefined;
    const busy = policies.run(() => new Promise<string>((_, reject) => (fail = reject)), false, {});
    let ran = 0;
    const queued = [0, 1, 2].map(() => policies.run(() => (ran++, Promise.resolve('x')), false, {}));
    assert.equal(policies.queued, 3);
    fail(new McpLocalError(LocalErrorCode.Timeout, 'slow'));
    await assert.rejects(busy);
    for (const call of queued) await assert.rejects(call, BrokenCircuitError);
    assert.equal(ran, 0);
    assert.deepEqual([policies.running, policies.queued, policies.breakerState], [0, 0, 'open']);
  });

  it('a call waits for a slot at most its timeoutMs, then fails as overloaded, not counted by the breaker', async () => {
    const policies = new UpstreamPolicies(spec({ maxConcurrency: 1, maxQueue: 1, breaker: { consecutiveFailures: 1 } }));
    let finish: (value: string) => void = () => undefined;
    const busy = policies.run(() => new Promise<string>((resolve) => (finish = resolve)), false, {});
    let ran = false;
    const started = performance.now();
    const outcome = await within(
      policies.run(() => ((ran = true), Promise.resolve('x')), false, { timeoutMs: 50 }),
      1000,
    );
    const waited = performance.now() - started;
    assert.ok(typeof outcome === 'object' && 'error' in outcome, `the queued call is ${JSON.stringify(outcome)}`);
    assert.ok(outcome.error instanceof SlotWaitTimeout);
    const failure = classify('u', outcome.error)!;
    assert.equal(failure.reason, 'overloaded');
    assert.match(failure.message, /waited 50 ms for a call slot and was not started/);
    // One wording: the failure's detail is the wait's own message.
    assert.equal(failure.detail, outcome.error.message);
    assert.ok(waited >= 45 && waited < 500, `waited ${waited} ms`);
    assert.deepEqual([ran, policies.running, policies.queued, policies.breakerState], [false, 1, 0, 'closed']);
    finish('done');
    assert.equal(await busy, 'done');
  });

  it('regression: a timeoutMs past what a timer holds (2^31 - 1 ms) does not bound the wait for a slot (setTimeout fired it after 1 ms)', async () => {
    const policies = new UpstreamPolicies(spec({ maxConcurrency: 1, maxQueue: 1 }));
    let finish: (value: string) => void = () => undefined;
    const busy = policies.run(() => new Promise<string>((resolve) => (finish = resolve)), false, {});
    let settled = false;
    const queued = policies.run(() => Promise.resolve('x'), false, { timeoutMs: 3_000_000_000 }).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual([settled, policies.queued], [false, 1]);
    finish('done');
    assert.equal(await busy, 'done');
    assert.equal(await queued, 'x');
  });

  it('a call waiting for a half-open probe leaves at once when cancelled', async () => {
    const policies = new UpstreamPolicies(spec({ breaker: { consecutiveFailures: 1, halfOpenAfterMs: 1 } }));
    await assert.rejects(policies.run(() => Promise.reject(new McpLocalError(LocalErrorCode.Timeout, 'slow')), false, {}));
    await new Promise((resolve) => setTimeout(resolve, 5));
    let finish: (value: string) => void = () => undefined;
    const probe = policies.run(() => new Promise<string>((resolve) => (finish = resolve)), false, {});
    assert.equal(policies.breakerState, 'half-open');
    const cancellation = new Cancellation();
    let ran = false;
    const waiting = policies.run(() => ((ran = true), Promise.resolve('x')), false, { cancellation });
    cancellation.cancel('gone');
    const outcome = await within(waiting, 500);
    assert.ok(typeof outcome === 'object' && 'error' in outcome && outcome.error instanceof TaskCancelledError, `the waiting call is ${JSON.stringify(outcome)}`);
    finish('done');
    assert.equal(await probe, 'done');
    assert.deepEqual([ran, policies.breakerState], [false, 'closed']);
  });

  it('opens the breaker on faults and then fails fast without running the call', async () => {
    const policies = new UpstreamPolicies(spec({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } }));
    for (let i = 0; i < 2; i++) await assert.rejects(policies.run(() => Promise.reject(new McpLocalError(LocalErrorCode.Timeout, 'slow')), false, {}));
    assert.equal(policies.breakerState, 'open');
    let ran = false;
    await assert.rejects(policies.run(() => ((ran = true), Promise.resolve('x')), false, {}), BrokenCircuitError);
    assert.equal(ran, false);
  });
});

describe('cancellation', () => {
  it('tells each listener once, in order, and one added later at once; makes its signal only when asked, aborted with the reason', () => {
    const cancellation = new Cancellation();
    const told: string[] = [];
    const listener = (name: string) => ({ onCancel: (reason: unknown) => told.push(`${name}:${String(reason)}`) });
    const removed = listener('removed');
    cancellation.addListener(listener('a'));
    cancellation.addListener(removed);
    cancellation.addListener(listener('b'));
    cancellation.removeListener(removed);
    cancellation.cancel('why');
    cancellation.cancel('again');
    assert.deepEqual(told, ['a:why', 'b:why']);
    cancellation.addListener(listener('late'));
    assert.deepEqual(told.at(-1), 'late:why');
    assert.equal(cancellation.signal.aborted, true);
    assert.equal(cancellation.signal.reason, 'why');
  });
});
