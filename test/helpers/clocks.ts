/**
 * Both of the process's clocks under a test's hand: node:test's mock timers (timers and the
 * wall clock, `Date`) with `performance.now()` following them, so that `tick` moves time on for
 * both, as it passes, and `stepWall` sets the wall clock alone, as NTP or a resumed virtual
 * machine does.
 */
import { mock } from 'node:test';
import { performance } from 'node:perf_hooks';

export interface MockClocks {
  /** Time passes: timers due fire, both clocks move on. */
  tick(ms: number): void;
  /** The wall clock is set `ms` on (back, when negative); the time that passes does not change. */
  stepWall(ms: number): void;
  /** Real clocks and timers again. */
  reset(): void;
}

type MockedApi = 'setTimeout' | 'setInterval' | 'setImmediate' | 'Date';

export function mockClocks(apis: MockedApi[] = ['Date'], now = Date.UTC(2026, 11, 4)): MockClocks {
  mock.timers.enable({ apis: [...new Set<MockedApi>([...apis, 'Date'])], now });
  let stepped = 0;
  const monotonic = mock.method(performance, 'now', () => Date.now() - now - stepped);
  return {
    tick: (ms) => mock.timers.tick(ms),
    stepWall(ms) {
      stepped += ms;
      mock.timers.setTime(Date.now() + ms);
    },
    reset() {
      monotonic.mock.restore();
      mock.timers.reset();
    },
  };
}
