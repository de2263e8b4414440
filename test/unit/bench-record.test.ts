/**
 * A partial bench run recorded into the saved results: its workloads replace those of the same
 * id, every other workload keeps its numbers, the suite's order holds, and the run info says
 * which workloads come from which later run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LaterRun, RunInfo } from '../../bench/report/markdown.ts';
import { renderMarkdown } from '../../bench/report/markdown.ts';
import { recordPartial, type SavedResults } from '../../bench/report/record.ts';
import type { WorkloadResult } from '../../bench/workloads/types.ts';

function workload(id: string, value: number): WorkloadResult {
  const row = { key: 'mcp-core' as const, mode: 'm', value, samples: [value], metrics: {}, cells: [String(value)], errors: 0, problems: [] };
  return { id, title: id, description: `${id}.`, unit: 'req/s', higherIsBetter: true, columns: ['req/s'], rows: [row], notes: [] };
}

const RUN: RunInfo = { quick: false, startedAt: new Date('2026-01-01T00:00:00Z'), seconds: 100, busyBefore: 0, busyAfter: 0, pinning: 'pinned.', runs: 3 };
const ORDER = ['a', 'b', 'c', 'd'];
const later = (workloads: string[], at: string): LaterRun => ({ workloads, quick: false, startedAt: at, seconds: 10, busyBefore: 0.5, busyAfter: 0, mcpCore: '0.1.0 @ abc' });
const saved = (): SavedResults => ({ run: RUN, env: { machine: [['CPU', 'x'], ['Cores', '2']], software: [] }, workloads: [workload('a', 1), workload('c', 3)] });

describe('bench: recording a partial run', () => {
  it('replaces the workloads it measured, keeps the others, and follows the suite\'s order', () => {
    const merged = recordPartial(saved(), [workload('d', 40), workload('c', 30), workload('b', 20)], later(['d', 'c', 'b'], '2026-02-01T00:00:00Z'), ORDER);
    assert.deepEqual(merged.workloads.map((w) => [w.id, w.rows[0].value]), [['a', 1], ['b', 20], ['c', 30], ['d', 40]]);
    assert.equal(merged.run.startedAt, RUN.startedAt, 'the full run stays the source of the rest');
  });

  it('drops an earlier partial run from the record once all its workloads were measured again', () => {
    const first = recordPartial(saved(), [workload('b', 2), workload('c', 3)], later(['b', 'c'], '2026-02-01T00:00:00Z'), ORDER);
    const second = recordPartial(first, [workload('c', 33)], later(['c'], '2026-03-01T00:00:00Z'), ORDER);
    assert.deepEqual(second.run.later?.map((run) => run.workloads), [['b'], ['c']]);
    const third = recordPartial(second, [workload('b', 22)], later(['b'], '2026-04-01T00:00:00Z'), ORDER);
    assert.deepEqual(third.run.later?.map((run) => [run.workloads, run.startedAt]), [[['c'], '2026-03-01T00:00:00Z'], [['b'], '2026-04-01T00:00:00Z']]);
  });

  it('says in RESULTS.md which numbers come from the later run, when, and how busy the machine was', () => {
    const merged = recordPartial(saved(), [workload('c', 30)], later(['c'], '2026-02-01T12:30:00Z'), ORDER);
    const text = renderMarkdown(merged.run, merged.env, merged.workloads, []);
    assert.match(text, /Every number below comes from this one run, except where said next\. The workload `c` comes from a later partial run instead \(`node bench\/run\.ts --only c --record`\) on 2026-02-01 12:30 UTC, of mcp-core 0\.1\.0 @ abc/);
    assert.match(text, /\*\*CPU busy with nothing of the benchmark running: 50% just before the run/);
    assert.match(text, /### c\n\nc\. Measured by a later partial run, on 2026-02-01 12:30 UTC/);
    assert.doesNotMatch(text, /### a\n\na\. Measured/);
  });
});
