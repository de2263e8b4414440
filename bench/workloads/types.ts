/** The shapes every workload reports in, which the report writers turn into tables and bars. */
import type { PeerKey } from '../targets.ts';

export interface Row {
  key: PeerKey;
  mode: string;
  /** The headline number: the median of the runs; undefined when the peer failed the workload. */
  value: number | undefined;
  /** The headline number of each run, in the order they ran. */
  samples: number[];
  /** Medians of the other numbers of the runs (p50, p99, serverCpu, generatorCpu, othersCpu, ...). */
  metrics: Record<string, number>;
  /** Formatted columns, matching the workload's `columns`. */
  cells: string[];
  errors: number;
  problems: string[];
  failure?: string;
}

export interface WorkloadResult {
  id: string;
  title: string;
  /** What was sent, how, and for how long. */
  description: string;
  /** Unit of `Row.value`. */
  unit: string;
  higherIsBetter: boolean;
  columns: string[];
  rows: Row[];
  notes: string[];
}

/**
 * One workload: a file in workloads/ exports one (or a few) of these, and workloads/index.ts
 * lists it. `group` is the name `--only` selects it by.
 */
export interface Workload {
  id: string;
  group: string;
  run(settings: Settings): Promise<WorkloadResult>;
}

/** How long and how hard each workload runs; `--quick` shrinks everything but the number of runs. */
export interface Settings {
  quick: boolean;
  /** Measured runs per row; each row reports their median and spread. */
  runs: number;
  stdioWarmupMs: number;
  stdioMs: number;
  httpWarmupS: number;
  httpS: number;
  largeMs: number;
  largeMinCalls: { oneMb: number; tenMb: number };
  toolsInflight: number;
  sessions: number;
  sessionSettleMs: number;
  coldRuns: number;
}

export const FULL: Settings = {
  quick: false,
  runs: 3,
  stdioWarmupMs: 1000,
  stdioMs: 3000,
  httpWarmupS: 2,
  httpS: 5,
  largeMs: 2000,
  largeMinCalls: { oneMb: 10, tenMb: 3 },
  toolsInflight: 8,
  sessions: 10_000,
  sessionSettleMs: 2000,
  coldRuns: 15,
};

export const QUICK: Settings = {
  quick: true,
  runs: 3,
  stdioWarmupMs: 200,
  stdioMs: 500,
  httpWarmupS: 1,
  httpS: 1,
  largeMs: 300,
  largeMinCalls: { oneMb: 3, tenMb: 1 },
  toolsInflight: 8,
  sessions: 1000,
  sessionSettleMs: 500,
  coldRuns: 5,
};
