import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ClientFailurePause } from '../../src/security/client-failure-pause.ts';
import { mockClocks, type MockClocks } from '../helpers/clocks.ts';

const down = new Error('down');
const always = () => true;

/** Runs an attempt for `client` that fails (or answers `ok`); resolves with what happened. */
async function ask(pause: ClientFailurePause, client: string, outcome: 'fail' | 'ok'): Promise<'asked-failed' | 'asked-ok' | 'refused'> {
  let asked = false;
  try {
    await pause.run(client, async () => {
      asked = true;
      if (outcome === 'fail') throw down;
    }, always);
    return 'asked-ok';
  } catch {
    return asked ? 'asked-failed' : 'refused';
  }
}

describe('ClientFailurePause', () => {
  let clocks: MockClocks;
  beforeEach(() => (clocks = mockClocks()));
  afterEach(() => clocks.reset());

  it("one client's failures pause it alone, again and again; a second client's failure within the pause pauses everyone", async () => {
    const pause = new ClientFailurePause(5000);
    assert.equal(await ask(pause, 'a', 'fail'), 'asked-failed');
    assert.equal(await ask(pause, 'a', 'ok'), 'refused');
    assert.equal(await ask(pause, 'b', 'ok'), 'asked-ok');
    mock.timers.tick(5000);
    assert.equal(await ask(pause, 'a', 'fail'), 'asked-failed');
    assert.equal(await ask(pause, 'b', 'ok'), 'asked-ok');
    mock.timers.tick(4999);
    assert.equal(await ask(pause, 'b', 'fail'), 'asked-failed');
    assert.equal(await ask(pause, 'c', 'ok'), 'refused');
  });

  it("failures of two clients further apart than the pause pause no one but themselves", async () => {
    const pause = new ClientFailurePause(5000);
    assert.equal(await ask(pause, 'a', 'fail'), 'asked-failed');
    mock.timers.tick(5000);
    assert.equal(await ask(pause, 'b', 'fail'), 'asked-failed');
    assert.equal(await ask(pause, 'c', 'ok'), 'asked-ok');
  });

  it("everyone's probe failing renews the pause when another client began it; when the same client did, another client asks at once; an answer ends it", async () => {
    const pause = new ClientFailurePause(5000);
    await ask(pause, 'a', 'fail');
    await ask(pause, 'b', 'fail');
    mock.timers.tick(5000);
    // b's failure began it: a's failing probe renews it for everyone.
    assert.equal(await ask(pause, 'a', 'fail'), 'asked-failed');
    assert.equal(await ask(pause, 'c', 'ok'), 'refused');
    mock.timers.tick(5000);
    // a's failure renewed it: a's failing probe does not; c asks at once, a is still paused.
    assert.equal(await ask(pause, 'a', 'fail'), 'asked-failed');
    assert.equal(await ask(pause, 'a', 'ok'), 'refused');
    assert.equal(await ask(pause, 'c', 'ok'), 'asked-ok');
    assert.equal(await ask(pause, 'd', 'ok'), 'asked-ok');
  });

  it('remembers at most maxClients paused clients, forgetting the oldest', async () => {
    const pause = new ClientFailurePause(5000, 8);
    // All in flight before any fails, so everyone's pause refuses none of them.
    let fail!: () => void;
    const failing = new Promise<void>((_, reject) => (fail = () => reject(down)));
    failing.catch(() => {});
    const runs = Array.from({ length: 20 }, (_, i) => pause.run(`client-${i}`, () => failing, always).catch(() => {}));
    fail();
    await Promise.all(runs);
    assert.equal(pause.pausedClients, 8);
  });
});
