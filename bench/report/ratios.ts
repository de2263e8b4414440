/**
 * mcp-core's advantage over a peer in one workload, as one number: above 1 mcp-core is better
 * (more throughput, or less time or memory), below 1 the peer is better.
 */
import type { PeerKey } from '../targets.ts';
import type { Row, WorkloadResult } from '../workloads/types.ts';

export function rowOf(workload: WorkloadResult | undefined, key: PeerKey): Row | undefined {
  return workload?.rows.find((row) => row.key === key);
}

export function advantage(workload: WorkloadResult, peer: Row, reference: PeerKey = 'mcp-core'): number | undefined {
  const core = rowOf(workload, reference)?.value;
  if (core === undefined || peer.value === undefined || core <= 0 || peer.value <= 0) return undefined;
  return workload.higherIsBetter ? core / peer.value : peer.value / core;
}

/** Every (workload, peer) pair with a ratio, for the chart and the summary. */
export function allAdvantages(workloads: readonly WorkloadResult[]): Array<{ workload: WorkloadResult; peer: Row; ratio: number | undefined }> {
  const out: Array<{ workload: WorkloadResult; peer: Row; ratio: number | undefined }> = [];
  for (const workload of workloads) {
    for (const peer of workload.rows) {
      if (peer.key === 'mcp-core') continue;
      out.push({ workload, peer, ratio: advantage(workload, peer) });
    }
  }
  return out;
}
