/** The summary printed to stdout at the end of a run: medians, comparisons with their spread, targets. */
import { PEER_LABELS } from '../targets.ts';
import type { WorkloadResult } from '../workloads/types.ts';
import { fmtComparison, fmtValue } from './format.ts';
import { compare } from './ratios.ts';
import { verdictText, type TargetOutcome } from './targets.ts';

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

export function renderSummary(workloads: readonly WorkloadResult[], targets: readonly TargetOutcome[]): string {
  const lines: string[] = [];
  const header = [pad('workload', 52), pad('peer', 34), pad('median', 22), 'mcp-core vs peer (spread)'];
  lines.push(header.join(''), '-'.repeat(140));
  for (const workload of workloads) {
    for (const row of workload.rows) {
      const result = row.value === undefined ? 'FAILED' : fmtValue(row.value, workload.unit) + (row.errors > 0 ? ` (${row.errors} err)` : '');
      const vs = row.key === 'mcp-core' ? 'reference' : row.value === undefined ? '-' : fmtComparison(compare(workload, row));
      lines.push([pad(workload.title.slice(0, 51), 52), pad(PEER_LABELS[row.key], 34), pad(result, 22), vs].join(''));
    }
  }
  lines.push('', 'Targets:');
  for (const t of targets) lines.push(`  ${pad(verdictText(t.pass), 6)}${pad(t.target, 64)}${t.measured}`);
  return `${lines.join('\n')}\n`;
}
