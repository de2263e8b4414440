/** The shape every workload reports in, which the report writers turn into tables and bars. */
import type { LoadResult } from '../drivers/result.ts';
import type { PeerKey } from '../targets.ts';

export interface Row {
  key: PeerKey;
  mode: string;
  /** The workload's headline number; undefined when the peer failed the workload. */
  value: number | undefined;
  /** Formatted columns, matching the workload's `columns`. */
  cells: string[];
  errors: number;
  problems: string[];
  failure?: string;
  /** The driver's full result, when the row came from a load run. */
  result?: LoadResult;
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

/** How long and how hard each workload runs; `--quick` shrinks everything. */
export interface Settings {
  quick: boolean;
  stdioWarmupMs: number;
  stdioMs: number;
  httpWarmupS: number;
  httpS: number;
  httpConnections: number;
  largeMs: number;
  largeMinCalls: { oneMb: number; tenMb: number };
  toolsCount: number;
  toolsInflight: number;
  sessions: number;
  sessionSettleMs: number;
  coldRuns: number;
}

export const FULL: Settings = {
  quick: false,
  stdioWarmupMs: 2000,
  stdioMs: 8000,
  httpWarmupS: 3,
  httpS: 10,
  httpConnections: 32,
  largeMs: 6000,
  largeMinCalls: { oneMb: 20, tenMb: 5 },
  toolsCount: 1000,
  toolsInflight: 8,
  sessions: 10_000,
  sessionSettleMs: 3000,
  coldRuns: 15,
};

export const QUICK: Settings = {
  quick: true,
  stdioWarmupMs: 300,
  stdioMs: 1000,
  httpWarmupS: 0.5,
  httpS: 1.5,
  httpConnections: 32,
  largeMs: 800,
  largeMinCalls: { oneMb: 4, tenMb: 2 },
  toolsCount: 1000,
  toolsInflight: 8,
  sessions: 2000,
  sessionSettleMs: 1000,
  coldRuns: 5,
};
