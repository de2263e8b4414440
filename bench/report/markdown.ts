/** RESULTS.md: machine, targets, then one table per workload with ratios to every peer. */
import { PEER_LABELS } from '../targets.ts';
import type { WorkloadResult } from '../workloads/types.ts';
import type { Environment } from './environment.ts';
import { fmtRatio } from './format.ts';
import { advantage } from './ratios.ts';
import type { TargetOutcome } from './targets.ts';

export interface RunInfo {
  quick: boolean;
  startedAt: Date;
  seconds: number;
  /** CPU busy share (0..1) over 2 s before and after the run, with nothing of ours running. */
  busyBefore: number;
  busyAfter: number;
}

function quietness(run: RunInfo): string {
  const pct = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'unknown');
  const text = `CPU busy with nothing of the benchmark running: ${pct(run.busyBefore)} just before the run, ${pct(run.busyAfter)} just after.`;
  return run.busyBefore > 0.15 || run.busyAfter > 0.15 ? `**${text} Other work was running on the machine: these numbers are disturbed.**` : text;
}

const esc = (text: string) => text.replace(/\|/g, '\\|');

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

function verdict(pass: boolean | undefined): string {
  return pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS';
}

function workloadSection(workload: WorkloadResult): string {
  const rows = workload.rows.map((row) => {
    const label = PEER_LABELS[row.key];
    if (row.failure !== undefined) return [label, row.mode, ...workload.columns.map((_, i) => (i === 0 ? 'FAILED' : '-')), '-'];
    const ratio = row.key === 'mcp-core' ? '1.00x (reference)' : fmtRatio(advantage(workload, row) ?? NaN);
    return [label, row.mode, ...workload.columns.map((_, i) => row.cells[i] ?? '-'), ratio];
  });
  const out = [`### ${workload.title}`, '', workload.description, '', table(['peer', 'how it is served', ...workload.columns, 'mcp-core advantage'], rows)];
  const failures = workload.rows.filter((row) => row.failure !== undefined);
  const errors = workload.rows.filter((row) => row.failure === undefined && row.errors > 0);
  if (failures.length + errors.length > 0) out.push('');
  for (const row of failures) out.push(`- **${PEER_LABELS[row.key]} failed:** ${row.failure}`);
  for (const row of errors) out.push(`- **${PEER_LABELS[row.key]} errors (${row.errors}):** ${row.problems.join('; ')}`);
  if (workload.notes.length > 0) out.push('', ...workload.notes.map((note) => `- ${note}`));
  return out.join('\n');
}

export function renderMarkdown(run: RunInfo, env: Environment, workloads: readonly WorkloadResult[], targets: readonly TargetOutcome[]): string {
  const mode = run.quick ? '`npm run bench -- --quick` (short runs, fewer peers: indicative only)' : '`npm run bench` (full run)';
  const passed = targets.filter((t) => t.pass === true).length;
  return [
    '# mcp-core benchmarks',
    '',
    `Written by ${mode} on ${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC; the run took ${Math.round(run.seconds)} s. ` +
      'Every number below comes from this one run. The bar chart of the ratios is [results.svg](results.svg).',
    '',
    '"mcp-core advantage" is mcp-core divided by the peer for throughput, and the peer divided by mcp-core for time and memory: above 1x mcp-core is ahead, below 1x the peer is.',
    '',
    '## Machine',
    '',
    table(['', ''], env.machine),
    '',
    quietness(run),
    '',
    'The load generator (the driver or autocannon) and the server under test are separate processes sharing these cores, so a server that uses more than one core (rmcp on tokio) competes with the generator, and the fastest peers may be limited by the generator rather than by themselves.',
    '',
    '## Software',
    '',
    table(['', 'version'], env.software),
    '',
    `## Targets (${passed} of ${targets.length} met)`,
    '',
    table(['target', 'measured', 'result'], targets.map((t) => [t.target, t.measured, verdict(t.pass)])),
    '',
    '## Workloads',
    '',
    workloads.map(workloadSection).join('\n\n'),
    '',
    '## Method',
    '',
    '- Load generators are neutral: stdio uses a raw newline-JSON driver written for this suite (bench/drivers/stdio.ts); HTTP uses autocannon with fixed headers and body. No MCP client library is involved.',
    '- Every reply is parsed and checked: its id matches the request, it is not an error, and its result holds the echoed text (or all the tools). Only checked replies count towards throughput; the rest are listed as errors. A peer that cannot run a workload is listed as failed.',
    '- stdio latency runs from the write of a request to the arrival of the end of its reply line, before the driver parses it. HTTP latency is autocannon\'s per-request time.',
    '- Every peer serves the same tool: `echo` of `{text}` returning one text content block. Modern-era requests carry the `_meta` envelope (protocolVersion 2026-07-28, clientCapabilities {}); modern HTTP requests also carry MCP-Protocol-Version, Mcp-Method and Mcp-Name.',
    '- mcp-core is measured as shipped: the bundled binary `node dist/bin/mcp-core.js serve --stdio|--http --demo` (built by `npm run build` at setup), except tools/list, which uses a bench-only script on its McpServer API.',
    '',
  ].join('\n');
}
