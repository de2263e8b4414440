/**
 * How every row is measured: each row's subject (a server and its driver) is opened and warmed
 * up once, then the rows take turns, one run each, for `runs` rounds. Taking turns spreads any
 * disturbance on the machine over every row instead of loading it onto one; the row reports
 * the median of its runs and their spread (min-max).
 *
 * Around each run the CPU use of the server's process tree, of the load generator and of
 * everything else is read, so a report shows whether the server or the generator was the limit,
 * and how much other work disturbed the run.
 */
import type { LoadResult } from '../drivers/result.ts';
import { cpuMeter } from '../lib/cpu.ts';
import { median } from '../lib/stats.ts';
import type { Target } from '../targets.ts';
import type { Row } from './types.ts';

/** One run of one row. */
export interface Trial {
  /** The row's headline number for this run. */
  value: number;
  /** Other numbers of the run (latency, counts); the row shows the median of each. */
  metrics: Record<string, number>;
  errors: number;
  problems: string[];
  /** Set when the run could not complete; the row then fails. */
  failure?: string;
}

/** What a row measures: opened once, run `runs` times, closed. */
export interface Subject {
  /** The server's pid (or its replicas' pids), for its CPU use; undefined when each run starts its own server. */
  readonly pid?: number | readonly number[];
  /**
   * The one process of the server's tree whose own CPU per call the row reports (a gateway
   * without the upstream it runs); the whole tree when undefined.
   */
  readonly focusPid?: number;
  warmup?(): Promise<Trial | undefined>;
  trial(): Promise<Trial>;
  close(): Promise<void>;
}

/** One row of a workload: the peer, and how to open what is measured. */
export interface RowSpec {
  target: Target;
  open(): Promise<Subject>;
}

/** The runs of one row, summarised; the workload turns it into its table cells. */
export interface Measured {
  value: number;
  samples: number[];
  /** Median of each metric over the runs (CPU shares of one core included as serverCpu, generatorCpu, othersCpu). */
  metrics: Record<string, number>;
  errors: number;
  problems: string[];
}

export type Cells = (measured: Measured) => string[];

export async function measureRows(workload: string, specs: readonly RowSpec[], runs: number, cells: Cells): Promise<Row[]> {
  const states = specs.map((spec) => ({ spec, subject: undefined as Subject | undefined, trials: [] as Trial[], failure: undefined as string | undefined }));
  try {
    for (const state of states) {
      if (state.spec.target.unavailable !== undefined) {
        state.failure = state.spec.target.unavailable;
        continue;
      }
      try {
        state.subject = await state.spec.open();
        const warm = await state.subject.warmup?.();
        if (warm?.failure !== undefined) state.failure = `warm-up: ${warm.failure}`;
      } catch (error) {
        state.failure = `could not start: ${(error as Error).message}`;
      }
      if (state.failure !== undefined) await closeQuietly(state);
    }
    for (let round = 0; round < runs; round++) {
      process.stderr.write(`  [${workload}] run ${round + 1} of ${runs}\n`);
      for (const state of states) {
        if (state.failure !== undefined || state.subject === undefined) continue;
        const meter = cpuMeter(state.subject.pid, state.subject.focusPid);
        let trial: Trial;
        try {
          trial = await state.subject.trial();
        } catch (error) {
          trial = { value: NaN, metrics: {}, errors: 0, problems: [], failure: (error as Error).message };
        }
        const cpu = meter();
        if (state.subject.pid !== undefined) {
          // Throughput per core-second the server used: steadier than the raw rate when other work takes its core.
          Object.assign(trial.metrics, { serverCpu: cpu.server, generatorCpu: cpu.generator, othersCpu: cpu.others, perServerCore: trial.value / cpu.server });
          // CPU per call of the focus process (or of the whole server), in microseconds.
          const own = state.subject.focusPid === undefined ? cpu.server : cpu.focus;
          trial.metrics.cpuUsPerCall = (own / trial.value) * 1e6;
        }
        state.trials.push(trial);
        if (trial.failure !== undefined) {
          state.failure = trial.failure;
          await closeQuietly(state);
        }
      }
    }
  } finally {
    for (const state of states) await closeQuietly(state);
  }
  return states.map((state) => {
    const row = toRow(state.spec.target, state.trials, state.failure, cells);
    progress(workload, state.spec.target, row);
    return row;
  });
}

async function closeQuietly(state: { subject: Subject | undefined }): Promise<void> {
  const subject = state.subject;
  state.subject = undefined;
  try {
    await subject?.close();
  } catch {
    // the server is already gone
  }
}

function toRow(target: Target, trials: Trial[], failure: string | undefined, cells: Cells): Row {
  const errors = trials.reduce((sum, t) => sum + t.errors, 0);
  const problems = [...new Set(trials.flatMap((t) => t.problems))].slice(0, 5);
  if (failure !== undefined || trials.length === 0) return failedRow(target, failure ?? 'no run', errors, problems);
  const samples = trials.map((t) => t.value);
  const names = new Set(trials.flatMap((t) => Object.keys(t.metrics)));
  const metrics: Record<string, number> = {};
  for (const name of names) metrics[name] = median(trials.map((t) => t.metrics[name]).filter((v) => v !== undefined && !Number.isNaN(v)));
  const measured: Measured = { value: median(samples), samples, metrics, errors, problems };
  return { key: target.key, mode: target.mode, value: measured.value, samples, metrics, cells: cells(measured), errors, problems };
}

export function failedRow(target: Target, failure: string, errors = 0, problems: string[] = []): Row {
  return { key: target.key, mode: target.mode, value: undefined, samples: [], metrics: {}, cells: [], errors, problems, failure: failure.replace(/\s+/g, ' ').slice(0, 400) };
}

/** Prints each row on stderr as it is done, so stdout keeps only the summary table. */
export function progress(workload: string, target: Target, row: Row): void {
  const outcome = row.failure !== undefined ? `FAILED: ${row.failure}` : row.cells.join(' | ');
  process.stderr.write(`  [${workload}] ${target.key}: ${outcome}${row.errors > 0 && row.failure === undefined ? ` (errors: ${row.problems.join('; ')})` : ''}\n`);
}

/** A load driver's result as one run: throughput, latency, and requests per operation when an operation takes several. */
export function loadTrial(result: LoadResult, withContext: (message: string) => string = (m) => m): Trial {
  const metrics: Record<string, number> = { p50: result.latency.p50, p99: result.latency.p99 };
  if (result.requests !== undefined && result.ok > 0) metrics.requestsPerOp = result.requests / result.ok;
  return { value: result.rps, metrics, errors: result.errors, problems: result.problems, failure: result.failure === undefined ? undefined : withContext(result.failure) };
}
