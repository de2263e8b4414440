/**
 * Faults of real upstream processes behind a manager: killed mid-call, hung, crashing on
 * start, an HTTP upstream forgetting its session; and no process left behind.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpManager } from '../../src/manager/manager.ts';
import { FAILURE_META_KEY } from '../../src/manager/failures.ts';
import { fixture, scratch, textOf, waitForUpstream } from '../helpers/gateway.ts';
import { appears } from '../helpers/files.ts';
import { startHttpServer } from '../helpers/processes.ts';
import { FIXTURE } from '../helpers/gateway.ts';
import { isAlive, waitForExit } from '../helpers/pids.ts';

function failureOf(result: { _meta?: Record<string, unknown> }): { upstream: string; reason: string } | undefined {
  return result._meta?.[FAILURE_META_KEY] as { upstream: string; reason: string } | undefined;
}

describe('gateway faults', () => {
  for (const era of ['modern', 'legacy'] as const) {
    it(`regression: an upstream slower to start than its calls' timeoutMs connects at the first attempt: its handshake waits up to connectTimeoutMs (era ${era})`, async () => {
      // The handshake's requests had the calls' timeoutMs: an upstream taking 1 s to start
      // failed its handshake after 300 ms whatever connectTimeoutMs said, and was started again.
      const dir = await scratch();
      const go = join(dir, 'go');
      const starts = join(dir, 'starts');
      const manager = new McpManager({ mcpServers: { slow: fixture(['--hold-until', go, '--starts', starts], { era, timeoutMs: 300, connectTimeoutMs: 20_000 }) } });
      try {
        const starting = manager.start();
        await appears(starts);
        await sleep(1_000);
        await writeFile(go, '');
        await starting;
        const [health] = manager.health().upstreams;
        assert.equal(health.connected, true, JSON.stringify(health.lastError));
        assert.equal(health.lastError, null);
        assert.equal((await readFile(starts, 'utf8')).trim().split('\n').length, 1, 'started once');
        assert.equal(textOf(await manager.callTool('slow__echo', { text: 'up' })), 'up');
        // Calls still have their own timeoutMs.
        const hung = await manager.callTool('slow__hang', {});
        assert.deepEqual(failureOf(hung as never), { upstream: 'slow', reason: 'slow' });
      } finally {
        await manager.close();
      }
    });
  }

  it('an upstream killed mid-call: a clear error at once, a restart, and later calls succeed', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture([], { timeoutMs: 30_000, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } }) } });
    try {
      await manager.start();
      const { pid } = manager.health().upstreams[0];
      const started = performance.now();
      const call = manager.callTool('fx__slow', { ms: 20_000 }, { onProgress: () => process.kill(pid!, 'SIGKILL') });
      const result = await call;
      const elapsed = performance.now() - started;
      assert.equal(result.isError, true);
      assert.deepEqual(failureOf(result as never), { upstream: 'fx', reason: 'dead' });
      assert.match(textOf(result), /Upstream "fx" is unavailable \(dead\): Server process exited \(SIGKILL\)/);
      assert.ok(elapsed < 15_000, `the error came after ${elapsed} ms, not after the call's timeout`);
      const health = await waitForUpstream(manager, 'fx', (h) => h.connected && h.restarts === 1);
      assert.notEqual(health.pid, pid);
      assert.equal(isAlive(pid!), false);
      assert.equal(textOf(await manager.callTool('fx__echo', { text: 'back' })), 'back');
    } finally {
      await manager.close();
    }
  });

  it('a call that keeps reporting progress ends at maxTotalTimeoutMs, a reload changing it applies to the next call', async () => {
    // Progress restarts a call's timeout; without a total, an upstream that kept reporting
    // progress held the call, and its slot, for as long as it liked.
    const fx = (maxTotalTimeoutMs?: number) => fixture([], { timeoutMs: 2_000, ...(maxTotalTimeoutMs === undefined ? {} : { maxTotalTimeoutMs }) });
    const manager = new McpManager({ mcpServers: { fx: fx(1_000) } });
    try {
      await manager.start();
      let reports = 0;
      const capped = await manager.callTool('fx__slow', { ms: 3_000 }, { onProgress: () => reports++ });
      assert.equal(capped.isError, true);
      assert.deepEqual(failureOf(capped as never), { upstream: 'fx', reason: 'slow' });
      assert.match(textOf(capped), /timed out after a total of 1000 ms/);
      assert.ok(reports >= 1, 'progress came before the total ran out');
      // Back to the default total (an hour): the same call reports progress to its end.
      const report = await manager.reload({ mcpServers: { fx: fx() } });
      assert.deepEqual(report.updated, ['fx']);
      assert.equal(textOf(await manager.callTool('fx__slow', { ms: 3_000 }, { onProgress: () => {} })), 'slept 3000');
    } finally {
      await manager.close();
    }
  });

  it('a hung upstream: its breaker opens and calls to it fail fast, while calls to another keep their latency', async (t) => {
    const manager = new McpManager({
      mcpServers: {
        stuck: fixture([], { timeoutMs: 300, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } }),
        fine: fixture(),
      },
    });
    try {
      await manager.start();
      const echo = async () => {
        const started = performance.now();
        assert.equal(textOf(await manager.callTool('fine__echo', { text: 'x' })), 'x');
        return performance.now() - started;
      };
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const before: number[] = [];
      for (let i = 0; i < 20; i++) before.push(await echo());
      // Three calls hang until their timeout: the breaker counts them.
      const hanging = [1, 2, 3].map(() => manager.callTool('stuck__hang', {}));
      const during: number[] = [];
      for (let i = 0; i < 20; i++) during.push(await echo());
      for (const result of await Promise.all(hanging)) assert.equal(failureOf(result as never)?.reason, 'slow');
      assert.equal(manager.health().upstreams[0].breaker, 'open');
      const started = performance.now();
      const fast = await manager.callTool('stuck__hang', {});
      const failFast = performance.now() - started;
      assert.deepEqual(failureOf(fast as never), { upstream: 'stuck', reason: 'breaker_open' });
      t.diagnostic(`echo to the healthy upstream: median ${median(before).toFixed(2)} ms before, ${median(during).toFixed(2)} ms while the other hung; breaker-open answer in ${failFast.toFixed(2)} ms`);
      // Generous bounds: the machine is shared. A hung upstream that blocked the others would take 300 ms a call.
      assert.ok(median(during) < 150, `echo median ${median(during)} ms while the other upstream hung`);
      assert.ok(failFast < 150, `breaker-open answer took ${failFast} ms`);
      assert.equal(manager.health().upstreams[1].breaker, 'closed');
    } finally {
      await manager.close();
    }
  });

  it('regression: calls queued behind a hung upstream fail fast once its breaker opens, not each after its own timeout', async (t) => {
    // A queued call was admitted by the breaker before it waited: when it got its slot it went
    // to the hung upstream though the breaker had opened meanwhile, and waited its whole
    // timeoutMs there; the last of 6 queued calls failed after about 4 x timeoutMs.
    const timeoutMs = 800;
    const manager = new McpManager({
      mcpServers: { stuck: fixture([], { timeoutMs, maxConcurrency: 2, maxQueue: 8, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } }) },
    });
    try {
      await manager.start();
      const timed = async () => {
        const started = performance.now();
        const result = await manager.callTool('stuck__hang', {});
        return { reason: failureOf(result as never)?.reason, ms: performance.now() - started };
      };
      const running = [timed(), timed()];
      // The queued calls start a little later, so that their own wait for a slot (bounded by
      // timeoutMs too) ends after the running calls' timeouts.
      await sleep(100);
      const queued = [1, 2, 3, 4, 5, 6].map(() => timed());
      await sleep(50);
      assert.equal(manager.health().upstreams[0].calls.queued, 6);
      const outcomes = await Promise.all(queued);
      for (const { reason } of await Promise.all(running)) assert.equal(reason, 'slow');
      t.diagnostic(`queued calls failed after ${outcomes.map((outcome) => `${outcome.reason} ${outcome.ms.toFixed(0)} ms`).join(', ')}`);
      // The first running call to time out gives its slot to the first queued call while the
      // breaker has counted one failure only (closed): that one runs, and times out in turn. The
      // second opens the breaker, and every call after it fails fast.
      assert.deepEqual(
        outcomes.map((outcome) => outcome.reason),
        ['slow', 'breaker_open', 'breaker_open', 'breaker_open', 'breaker_open', 'breaker_open'],
        JSON.stringify(outcomes),
      );
      for (const { ms } of outcomes.slice(1)) assert.ok(ms < timeoutMs + 500, `a queued call failed fast after ${ms.toFixed(0)} ms: ${JSON.stringify(outcomes)}`);
      assert.ok(outcomes[0].ms < 2 * timeoutMs + 500, `the call let in before the breaker opened took ${outcomes[0].ms.toFixed(0)} ms`);
      const [health] = manager.health().upstreams;
      assert.equal(health.breaker, 'open');
      assert.deepEqual([health.calls.running, health.calls.queued], [0, 0]);
    } finally {
      await manager.close();
    }
  });

  it('regression: a call waits for a slot at most its timeoutMs, then fails as overloaded, not counted by the breaker', async () => {
    // The wait for a slot was bounded by nothing but the call's cancellation: behind a call that
    // kept its slot (reporting progress), a queued call waited for as long as that one ran.
    const timeoutMs = 800;
    const manager = new McpManager({
      mcpServers: { busy: fixture([], { timeoutMs, maxConcurrency: 1, maxQueue: 4, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } }) },
    });
    try {
      await manager.start();
      // Longer than timeoutMs, but its progress every 180 ms keeps it alive.
      const holding = manager.callTool('busy__slow', { ms: 1_800 }, { onProgress: () => undefined });
      await sleep(50);
      assert.equal(manager.health().upstreams[0].calls.running, 1);
      const started = performance.now();
      const queued = await manager.callTool('busy__echo', { text: 'x' });
      const waited = performance.now() - started;
      assert.deepEqual(failureOf(queued as never), { upstream: 'busy', reason: 'overloaded' });
      assert.match(textOf(queued), /Upstream "busy" is overloaded \(overloaded\): the call waited 800 ms for a call slot and was not started/);
      assert.ok(waited >= timeoutMs - 50 && waited < timeoutMs + 500, `the queued call failed after ${waited.toFixed(0)} ms`);
      assert.equal(textOf(await holding), 'slept 1800');
      const [health] = manager.health().upstreams;
      assert.equal(health.breaker, 'closed', 'a call that found no slot is no evidence against the upstream');
      assert.deepEqual([health.calls.running, health.calls.queued], [0, 0]);
      assert.equal(textOf(await manager.callTool('busy__echo', { text: 'y' })), 'y');
    } finally {
      await manager.close();
    }
  });

  it('an upstream that crashes on start is restarted less and less often, not in a tight loop, and its restarts are counted (regression: they were 0, only starts that connected counted)', async () => {
    const dir = await scratch();
    const starts = join(dir, 'starts');
    const manager = new McpManager({ mcpServers: { broken: fixture(['--crash-on-start', '--starts', starts], { reconnect: { initialDelayMs: 100, maxDelayMs: 10_000 } }) } });
    try {
      // When each attempt starts: the first, then after at least 100, 200 and 400 ms (half of 200, 400, 800).
      const times: number[] = [];
      const fourStarts = new Promise<void>((resolve) => {
        manager.subscribe({
          onUpstreamState: () => {
            if (manager.health().upstreams[0].state !== 'connecting' || times.length === 4) return;
            times.push(performance.now());
            if (times.length === 4) resolve();
          },
        });
      });
      await manager.start();
      await fourStarts;
      await waitForUpstream(manager, 'broken', (h) => h.state === 'reconnecting');
      const gaps = times.slice(1).map((time, i) => time - times[i]);
      const health = manager.health().upstreams[0];
      assert.match(health.lastError?.message ?? '', /Server process exited \(code 3\): upstream: crashing on start as asked/);
      assert.ok(times[3] - times[0] >= 700, `the fourth start came ${times[3] - times[0]} ms after the first; backoff makes it at least 700 ms`);
      assert.ok(gaps[0] >= 100 && gaps[1] >= 200 && gaps[2] >= 400, `gaps between starts: ${gaps.join(', ')} ms`);
      const lines = (await readFile(starts, 'utf8')).trim().split('\n');
      assert.ok(lines.length <= 5, `${lines.length} starts`);
      assert.ok(health.restarts >= 3, `restarts ${health.restarts} after 4 starts`);
      const result = await manager.callTool('broken__echo', { text: 'x' }).catch((error: Error) => error);
      assert.ok(result instanceof Error, 'a tool of an upstream that never listed any is unknown');
    } finally {
      await manager.close();
    }
  });

  it('regression: the failure of a call to an upstream that stays down names it once, however many calls failed before (each restated the last, prefix and all)', async () => {
    const dir = await scratch();
    const down = join(dir, 'down');
    const manager = new McpManager({ mcpServers: { up: fixture(['--crash-on-start-if', down], { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } }) } });
    try {
      assert.equal(textOf(await manager.callTool('up__echo', { text: 'alive' })), 'alive');
      await writeFile(down, '');
      await manager.callTool('up__crash', {}).catch(() => undefined);
      await waitForUpstream(manager, 'up', (h) => h.state === 'reconnecting');
      const texts: string[] = [];
      // Safe calls (echo is read-only) wait for the reconnection and fail again; others fail at once.
      for (let i = 0; i < 4; i++) texts.push(textOf(await manager.callTool('up__echo', { text: 'x' }, { timeout: 200 })));
      for (let i = 0; i < 4; i++) texts.push(textOf(await manager.callTool('up__crash', {})));
      for (const text of texts) {
        assert.equal(text.split('Upstream "up"').length, 2, `named once: ${text}`);
        assert.equal(text.split('next connection attempt').length, 2, `one next attempt: ${text}`);
      }
      assert.doesNotMatch(manager.health().upstreams[0].lastError?.message ?? '', /next connection attempt/, 'the last error is the upstream\'s, not a restatement');
    } finally {
      await manager.close();
    }
  });

  it('an HTTP upstream that forgets the session is initialized again without the caller noticing', async () => {
    const upstream = await startHttpServer(FIXTURE, ['--http']);
    const manager = new McpManager({ mcpServers: { web: { url: upstream.url, era: 'legacy' } } });
    try {
      assert.equal(textOf(await manager.callTool('web__echo', { text: 'one' })), 'one');
      assert.equal(manager.health().upstreams[0].era, 'legacy');
      assert.equal(textOf(await manager.callTool('web__forget_sessions', {})), 'forgotten');
      assert.equal(textOf(await manager.callTool('web__echo', { text: 'two' })), 'two');
      assert.equal(manager.health().upstreams[0].connected, true);
    } finally {
      await manager.close();
      await upstream.stop();
    }
  });

  it('leaves no process behind when it closes, however its upstreams were started', async () => {
    const manager = new McpManager({ mcpServers: { a: fixture(['--grandchild']), b: fixture(), c: { command: 'sh', args: ['-c', `exec "${process.execPath}" "${FIXTURE}"`] } } });
    await manager.start();
    const pids = manager.health().upstreams.map((u) => u.pid!);
    assert.equal(pids.every((pid) => isAlive(pid)), true);
    await manager.close();
    await waitForExit(pids);
  });
});
