/** stdio rows: the server spawned on its pinned core with the era's handshake, warmed up, run, shut down. */
import { StdioDriver, type StdioLoad } from '../drivers/stdio.ts';
import type { LoadResult } from '../drivers/result.ts';
import { onServerCores } from '../lib/cores.ts';
import type { StdioTarget } from '../targets.ts';
import { loadTrial, type RowSpec, type Trial } from './runner.ts';

export interface StdioRun extends Omit<StdioLoad, 'durationMs' | 'minRequests'> {
  warmupMs: number;
  durationMs: number;
  /** Warm-up continues to at least this many replies. */
  warmupMinRequests?: number;
  minRequests?: number;
}

/** A row that drives `run` through the raw stdio driver. */
export function stdioRow(target: StdioTarget, run: StdioRun, trial: (result: LoadResult) => Trial = (r) => loadTrial(r)): RowSpec {
  return stdioRowWith(target, async (driver) => {
    const { warmupMs, warmupMinRequests, ...load } = run;
    return {
      warmup: async () => trial(await driver.load({ ...load, durationMs: warmupMs, minRequests: warmupMinRequests })),
      trial: async () => trial(await driver.load(load)),
    };
  });
}

/** A row whose runs use the opened driver as they like (the listing workload follows cursors). */
export function stdioRowWith(target: StdioTarget, use: (driver: StdioDriver) => Promise<{ warmup(): Promise<Trial>; trial(): Promise<Trial> }>): RowSpec {
  return {
    target,
    open: async () => {
      const driver = await StdioDriver.open(onServerCores(target.command), target.era);
      try {
        const runs = await use(driver);
        return { pid: driver.pid, warmup: runs.warmup, trial: runs.trial, close: () => driver.close() };
      } catch (error) {
        await driver.close();
        throw error;
      }
    },
  };
}
