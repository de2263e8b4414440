/** RESULTS.md: machine, targets, then one table per workload with mcp-core against every peer. */
import { PEER_LABELS } from '../targets.ts';
import type { WorkloadResult } from '../workloads/types.ts';
import type { Environment } from './environment.ts';
import { fmtComparison } from './format.ts';
import { compare } from './ratios.ts';
import { verdictText, type TargetOutcome } from './targets.ts';

export interface RunInfo {
  quick: boolean;
  startedAt: Date;
  seconds: number;
  /** CPU busy share (0..1) over 2 s before and after the run, with nothing of ours running. */
  busyBefore: number;
  busyAfter: number;
  /** How servers and generators were placed on the cores. */
  pinning: string;
  runs: number;
  /** Partial runs recorded since (`run.ts --only ... --record`): their workloads' numbers are theirs. */
  later?: LaterRun[];
}

/** A partial run whose workloads were recorded into the reports of a full run. */
export interface LaterRun {
  workloads: string[];
  quick: boolean;
  /** An ISO date in results.json. */
  startedAt: Date | string;
  seconds: number;
  busyBefore: number;
  busyAfter: number;
  /** The mcp-core version and commit measured. */
  mcpCore: string;
}

const pct = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'unknown');
const minute = (date: Date | string) => new Date(date).toISOString().slice(0, 16).replace('T', ' ');

/** Which numbers come from a later partial run, for the top of RESULTS.md. */
function laterRuns(run: RunInfo): string {
  return (run.later ?? [])
    .map(
      (later) =>
        ` The workload${later.workloads.length === 1 ? '' : 's'} ${later.workloads.map((id) => `\`${id}\``).join(', ')} ${later.workloads.length === 1 ? 'comes' : 'come'} from a later ${later.quick ? 'quick ' : ''}partial run instead ` +
        `(\`node bench/run.ts --only ${later.workloads.join(',')} --record\`) on ${minute(later.startedAt)} UTC, of mcp-core ${later.mcpCore}, which took ${Math.round(later.seconds)} s. ` +
        quietness(later),
    )
    .join('');
}

function quietness(run: Pick<RunInfo, 'busyBefore' | 'busyAfter'>): string {
  const text = `CPU busy with nothing of the benchmark running: ${pct(run.busyBefore)} just before the run, ${pct(run.busyAfter)} just after.`;
  return run.busyBefore > 0.15 || run.busyAfter > 0.15 ? `**${text} Other work was running on the machine: these numbers are disturbed.**` : text;
}

const esc = (text: string) => text.replace(/\|/g, '\\|');

export function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

function workloadSection(workload: WorkloadResult, run: RunInfo): string {
  const rows = workload.rows.map((row) => {
    const label = PEER_LABELS[row.key];
    if (row.failure !== undefined) return [label, row.mode, ...workload.columns.map((_, i) => (i === 0 ? 'FAILED' : '-')), '-'];
    const vs = row.key === 'mcp-core' ? 'reference' : fmtComparison(compare(workload, row));
    return [label, row.mode, ...workload.columns.map((_, i) => row.cells[i] ?? '-'), vs];
  });
  const later = run.later?.find((partial) => partial.workloads.includes(workload.id));
  const when = later === undefined ? '' : ` Measured by a later partial run, on ${minute(later.startedAt)} UTC (see the top).`;
  const out = [`### ${workload.title}`, '', `${workload.description}${when}`, '', table(['peer', 'how it is served', ...workload.columns, 'mcp-core vs peer'], rows)];
  const failures = workload.rows.filter((row) => row.failure !== undefined);
  const errors = workload.rows.filter((row) => row.failure === undefined && row.errors > 0);
  if (failures.length + errors.length > 0) out.push('');
  for (const row of failures) out.push(`- **${PEER_LABELS[row.key]} failed:** ${row.failure}`);
  for (const row of errors) out.push(`- **${PEER_LABELS[row.key]} errors (${row.errors}):** ${row.problems.join('; ')}`);
  if (workload.notes.length > 0) out.push('', ...workload.notes.map((note) => `- ${note}`));
  return out.join('\n');
}

export function renderMarkdown(run: RunInfo, env: Environment, workloads: readonly WorkloadResult[], targets: readonly TargetOutcome[]): string {
  const mode = run.quick ? '`npm run bench -- --quick` (short runs: indicative only)' : '`npm run bench` (full run)';
  const passed = targets.filter((t) => t.pass === true).length;
  return [
    '# mcp-core benchmarks',
    '',
    `Written by ${mode} on ${minute(run.startedAt)} UTC; the run took ${Math.round(run.seconds)} s. ` +
      `Every number below comes from this one run${(run.later ?? []).length > 0 ? ', except where said next' : ''}.${laterRuns(run)} The bar chart of the comparisons is [results.svg](results.svg).`,
    '',
    `Each row is the median of ${run.runs} runs, with their spread (min-max). "mcp-core vs peer" gives the factor by which the better one leads: ` +
      '"ahead 1.5x" means mcp-core has 1.5x the throughput (or takes 1/1.5 the time or memory), "behind 1.2x" means the peer leads by 1.2x. ' +
      'In brackets is the range the factor could take given both spreads; when that range holds 1x the two are a **tie**: the runs cannot tell them apart. ' +
      'A tie shows mcp-core\'s own factor (above 1x its median is better, below 1x worse).',
    '',
    '## Machine',
    '',
    table(['', ''], env.machine),
    '',
    quietness(run),
    '',
    run.pinning,
    '',
    '## Software',
    '',
    table(['', 'version'], env.software),
    '',
    `## Targets (${passed} of ${targets.length} met)`,
    '',
    table(['target', 'measured', 'result'], targets.map((t) => [t.target, t.measured, verdictText(t.pass)])),
    '',
    '## Workloads',
    '',
    workloads.map((workload) => workloadSection(workload, run)).join('\n\n'),
    '',
    '## Method',
    '',
    '- Load generators are neutral and written in C where it matters: HTTP load is wrk (`bench/drivers/wrk.lua` sets the POST body and headers); stdio load is a raw newline-JSON driver written for this suite (`bench/drivers/stdio.ts`). No MCP client library is involved.',
    '- The server under test and the load generator run on separate cores (`taskset`), every peer alike: each server gets one core, a multi-threaded one included (rmcp\'s tokio runtime runs one worker). "server CPU" is the share of one core the server used, "load-gen CPU" that of the load generator (wrk, or the stdio driver), "others CPU" what everything else on the machine took meanwhile. A server near 100% with the generator well below is at its own limit; a large "others CPU" means the run was disturbed, and then "per server CPU-second" (the rate divided by the server\'s CPU share) is the steadier figure to compare.',
    '- Every reply is checked. Over stdio each is parsed: its id matches the request, it is not an error, and its result holds the echoed text (or the tools). Over HTTP wrk checks each response as it arrives (2xx, the echoed text present, no error, the id of a pending request), the first request of each row is parsed and checked in full with fetch, and a sample of the responses of every run is parsed and checked in full. Only checked replies count; the rest are errors. A peer that cannot run a workload is listed as failed.',
    '- Rows take turns: every server of a workload is started and warmed up, then each row runs once per round. A disturbance on the machine then touches one run of several rows rather than every run of one.',
    '- stdio latency runs from the write of a request to the arrival of the end of its reply line, before the driver parses it. HTTP latency is wrk\'s per-request time.',
    '- Every peer serves the same tool: `echo` of `{text}` returning one text content block. Modern-era requests carry the `_meta` envelope (protocolVersion 2026-07-28, clientCapabilities {}); modern HTTP requests also carry MCP-Protocol-Version, Mcp-Method and Mcp-Name.',
    '- Peers run in their best documented configuration: SDK v1 also with `enableJsonResponse: true`, SDK v2 with its zod schemas built once outside the per-request factory, the Python SDK on uvicorn with uvloop and httptools, rmcp as a release build.',
    '- mcp-core is measured as shipped: the bundled binary `node dist/bin/mcp-core.js serve --stdio|--http --demo` (built by `npm run build` at setup), except tools/list, which uses a bench-only script on its McpServer API.',
    '',
  ].join('\n');
}
