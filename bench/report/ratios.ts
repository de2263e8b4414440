/**
 * mcp-core against a peer in one workload: the ratio of the medians, and the range the ratio
 * could take given each side's spread (min-max over the runs). A range that contains 1x is a tie:
 * the runs cannot tell the two apart, so neither is reported ahead.
 */
import type { PeerKey } from '../targets.ts';
import type { Row, WorkloadResult } from '../workloads/types.ts';

export function rowOf(workload: WorkloadResult | undefined, key: PeerKey): Row | undefined {
  return workload?.rows.find((row) => row.key === key);
}

export type Verdict = 'ahead' | 'behind' | 'tie';

export interface Comparison {
  /** mcp-core's advantage: above 1 it is better (more throughput, less time or memory). */
  ratio: number;
  /** The lowest and highest advantage the runs allow. */
  low: number;
  high: number;
  verdict: Verdict;
}

function range(row: Row): [number, number] {
  const samples = row.samples.length > 0 ? row.samples : [row.value!];
  return [Math.min(...samples), Math.max(...samples)];
}

export function compare(workload: WorkloadResult, peer: Row, reference: PeerKey = 'mcp-core'): Comparison | undefined {
  const core = rowOf(workload, reference);
  if (core?.value === undefined || peer.value === undefined || core.value <= 0 || peer.value <= 0) return undefined;
  const [coreLow, coreHigh] = range(core);
  const [peerLow, peerHigh] = range(peer);
  const [ratio, low, high] = workload.higherIsBetter
    ? [core.value / peer.value, coreLow / peerHigh, coreHigh / peerLow]
    : [peer.value / core.value, peerLow / coreHigh, peerHigh / coreLow];
  const verdict: Verdict = low <= 1 && high >= 1 ? 'tie' : ratio > 1 ? 'ahead' : 'behind';
  return { ratio, low, high, verdict };
}
