/** One stdio target through one load: spawn + handshake, warm-up, measured run, shutdown. */
import { StdioDriver, type StdioLoad } from '../drivers/stdio.ts';
import type { StdioTarget } from '../targets.ts';
import { failedRow, loadRow } from './rows.ts';
import type { Row } from './types.ts';

export interface StdioRun extends Omit<StdioLoad, 'durationMs' | 'minRequests'> {
  warmupMs: number;
  durationMs: number;
  /** Warm-up continues to at least this many replies. */
  warmupMinRequests?: number;
  minRequests?: number;
}

export async function runStdio(target: StdioTarget, run: StdioRun): Promise<Row> {
  if (target.unavailable !== undefined) return failedRow(target, target.unavailable);
  let driver: StdioDriver;
  try {
    driver = await StdioDriver.open(target.command, target.era);
  } catch (error) {
    return failedRow(target, `could not start: ${(error as Error).message}`);
  }
  try {
    const { warmupMs, warmupMinRequests, ...load } = run;
    const warm = await driver.load({ ...load, durationMs: warmupMs, minRequests: warmupMinRequests });
    if (warm.failure !== undefined || warm.ok === 0) {
      return failedRow(target, `warm-up: ${warm.failure ?? warm.problems.join('; ')}`, warm.errors, warm.problems);
    }
    return loadRow(target, await driver.load(load));
  } finally {
    await driver.close();
  }
}
