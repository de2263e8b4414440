/** A note comparing one row of a cost workload with its bare row, against a target. */
import type { PeerKey } from '../targets.ts';
import type { Row } from './types.ts';

/**
 * "JSON logs at info + metrics: 91% of the throughput with nothing on (target >= 85%: met),
 * medians of the runs", or why it cannot be said. The bare row is `mcp-core`'s.
 */
export function ratioNote(rows: Row[], key: PeerKey, what: string, baseline: string, target?: number): string {
  const bare = rows.find((row) => row.key === 'mcp-core')?.value;
  const on = rows.find((row) => row.key === key)?.value;
  if (bare === undefined || on === undefined || bare === 0) return `${what}: no ratio (a row failed).`;
  const ratio = on / bare;
  const verdict = target === undefined ? '' : ` (target >= ${Math.round(target * 100)}%: ${ratio >= target ? 'met' : 'missed'})`;
  return `${what}: ${Math.round(ratio * 100)}% of the throughput ${baseline}${verdict}, medians of the runs.`;
}
