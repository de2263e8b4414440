/**
 * The benchmark reports compare mcp-core with each peer from the median and the spread of
 * their runs: a factor whose range holds 1x is a tie, never a win or a loss, and a factor
 * below 1x is reported as "behind" with the peer's lead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fmtComparison } from '../../bench/report/format.ts';
import { compare } from '../../bench/report/ratios.ts';
import { evaluateTargets } from '../../bench/report/targets.ts';
import type { Row, WorkloadResult } from '../../bench/workloads/types.ts';

function row(key: Row['key'], samples: number[]): Row {
  const sorted = [...samples].sort((a, b) => a - b);
  return { key, mode: '', value: sorted[Math.ceil(sorted.length / 2) - 1], samples, metrics: {}, cells: [], errors: 0, problems: [] };
}

function workload(higherIsBetter: boolean, ...rows: Row[]): WorkloadResult {
  return { id: 'w', title: 'w', description: '', unit: higherIsBetter ? 'req/s' : 'ms', higherIsBetter, columns: [], rows, notes: [] };
}

describe('bench comparisons', () => {
  it('is ahead only when every run allows it', () => {
    const w = workload(true, row('mcp-core', [100, 102, 104]), row('bare', [50, 51, 52]));
    const c = compare(w, w.rows[1])!;
    assert.equal(c.verdict, 'ahead');
    assert.equal(c.ratio, 102 / 51);
    assert.equal(c.low, 100 / 52);
    assert.equal(c.high, 104 / 50);
    assert.equal(fmtComparison(c), 'ahead 2.00x (1.92x-2.08x)');
  });

  it('is a tie when the spreads overlap, whichever way the medians lean', () => {
    const w = workload(true, row('mcp-core', [95, 100, 110]), row('rmcp', [98, 104, 106]));
    const c = compare(w, w.rows[1])!;
    assert.equal(c.verdict, 'tie');
    assert.ok(c.ratio < 1);
  });

  it('reports the peer lead when mcp-core is behind', () => {
    const w = workload(true, row('mcp-core', [100, 100, 100]), row('rmcp', [120, 121, 122]));
    const c = compare(w, w.rows[1])!;
    assert.equal(c.verdict, 'behind');
    assert.equal(fmtComparison(c), 'behind 1.21x (1.20x-1.22x)');
  });

  it('turns time around: less time is ahead', () => {
    const w = workload(false, row('mcp-core', [33, 34, 35]), row('bare', [23, 24, 25]));
    const c = compare(w, w.rows[1])!;
    assert.equal(c.verdict, 'behind');
    assert.equal(fmtComparison(c), 'behind 1.42x (1.32x-1.52x)');
  });

  it('gives no comparison when either side failed', () => {
    const failed: Row = { ...row('sdk-v1', []), value: undefined, failure: 'could not start' };
    const w = workload(true, row('mcp-core', [1, 2, 3]), failed);
    assert.equal(compare(w, failed), undefined);
  });

  it("says beside a missed gateway target what bounds it: the gateway's own CPU per call", () => {
    const direct = { ...row('mcp-core', [40_000, 41_000, 42_000]), metrics: { cpuUsPerCall: 24 } };
    const slow = { ...row('mcp-core-gateway-stdio', [24_000, 25_000, 26_000]), metrics: { cpuUsPerCall: 34 } };
    const fast = { ...row('mcp-core-gateway-http', [39_000, 40_000, 41_000]), metrics: { cpuUsPerCall: 26 } };
    const gateway = { ...workload(true, direct, slow, fast), id: 'gateway-64' };
    const [stdio, http] = evaluateTargets([gateway]).filter((t) => t.target.includes('64 in flight: >= 85% of direct'));
    assert.equal(stdio.pass, false);
    assert.match(stdio.measured, /the gateway process costs 34 µs of CPU per call, 1\.42x a direct server's 24 µs: 0\.85x needs at most 1\.18x/);
    assert.equal(http.pass, true);
    assert.doesNotMatch(http.measured, /CPU per call/);
  });
});
