/** Turning driver results and failures into table rows, the same way for every workload. */
import type { LoadResult } from '../drivers/result.ts';
import { fmtInt, fmtMs } from '../report/format.ts';
import type { Target } from '../targets.ts';
import type { Row } from './types.ts';

export const LOAD_COLUMNS = ['req/s', 'p50 ms', 'p99 ms', 'errors'];

export function loadRow(target: Target, result: LoadResult): Row {
  if (result.failure !== undefined) return failedRow(target, result.failure, result.errors, result.problems);
  return {
    key: target.key,
    mode: target.mode,
    value: result.rps,
    cells: [fmtInt(result.rps), fmtMs(result.latency.p50), fmtMs(result.latency.p99), fmtInt(result.errors)],
    errors: result.errors,
    problems: result.problems,
    result,
  };
}

export function failedRow(target: Target, failure: string, errors = 0, problems: string[] = []): Row {
  return { key: target.key, mode: target.mode, value: undefined, cells: [], errors, problems, failure: failure.replace(/\s+/g, ' ').slice(0, 400) };
}

/** Prints progress on stderr so stdout keeps only the summary table. */
export function progress(workload: string, target: Target, row: Row): void {
  const outcome = row.failure !== undefined ? `FAILED: ${row.failure}` : row.cells.join(' | ');
  process.stderr.write(`  [${workload}] ${target.key}: ${outcome}${row.errors > 0 && row.failure === undefined ? ` (errors: ${row.problems.join('; ')})` : ''}\n`);
}
