/** The summary printed to stdout at the end of a run: headline numbers, ratios and targets. */
import { PEER_LABELS } from '../targets.ts';
import type { WorkloadResult } from '../workloads/types.ts';
import { fmtRatio, fmtValue } from './format.ts';
import { advantage } from './ratios.ts';
import type { TargetOutcome } from './targets.ts';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function renderSummary(workloads: readonly WorkloadResult[], targets: readonly TargetOutcome[]): string {
  const lines: string[] = [];
  const header = [pad('workload', 44), pad('peer', 24), pad('result', 20), 'mcp-core advantage'];
  lines.push(header.join(''), '-'.repeat(108));
  for (const workload of workloads) {
    for (const row of workload.rows) {
      const result = row.value === undefined ? 'FAILED' : fmtValue(row.value, workload.unit) + (row.errors > 0 ? ` (${row.errors} err)` : '');
      const ratio = row.key === 'mcp-core' ? 'reference' : row.value === undefined ? '-' : fmtRatio(advantage(workload, row) ?? NaN);
      lines.push([pad(workload.title.slice(0, 43), 44), pad(PEER_LABELS[row.key], 24), pad(result, 20), ratio].join(''));
    }
  }
  lines.push('', 'Targets:');
  for (const t of targets) lines.push(`  ${pad(t.pass === undefined ? 'n/a' : t.pass ? 'PASS' : 'MISS', 6)}${pad(t.target, 58)}${t.measured}`);
  return `${lines.join('\n')}\n`;
}
