import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { atMostEvery } from '../../src/protocol/report-interval.ts';
import { mockClocks } from '../helpers/clocks.ts';

describe('atMostEvery', () => {
  it('passes on the first report at once, then the first after each interval, with its arguments', () => {
    const clocks = mockClocks();
    try {
      const seen: Array<[string, number]> = [];
      const report = atMostEvery(10_000, (what: string, n: number) => seen.push([what, n]));
      report('a', 1);
      report('b', 2);
      mock.timers.tick(9_999);
      report('c', 3);
      mock.timers.tick(1);
      report('d', 4);
      report('e', 5);
      assert.deepEqual(seen, [['a', 1], ['d', 4]]);
    } finally {
      clocks.reset();
    }
  });
});
