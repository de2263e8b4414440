/**
 * The project's performance targets, checked against one run's numbers. A target whose numbers
 * are missing (a peer failed, or the workload was not run) is reported as such, not as a pass;
 * one whose threshold lies inside the spread of the runs is reported as a tie.
 */
import { fmtBytes, fmtInt, fmtMs, fmtRatio } from './format.ts';
import { compare, rowOf } from './ratios.ts';
import type { PeerKey } from '../targets.ts';
import type { WorkloadResult } from '../workloads/types.ts';

export interface TargetOutcome {
  target: string;
  measured: string;
  /** undefined: could not be evaluated in this run; 'tie': the threshold lies inside the spread. */
  pass: boolean | 'tie' | undefined;
}

export function verdictText(pass: TargetOutcome['pass']): string {
  return pass === undefined ? 'n/a' : pass === 'tie' ? 'TIE' : pass ? 'PASS' : 'MISS';
}

type Find = (id: string) => WorkloadResult | undefined;

/** mcp-core (or its row `reference`) vs a peer in one workload, against a minimum advantage. */
function versus(find: Find, id: string, peer: PeerKey, minimum: number, target: string, reference: PeerKey = 'mcp-core'): TargetOutcome {
  const workload = find(id);
  const row = rowOf(workload, peer);
  if (workload === undefined) return { target, measured: 'workload not run', pass: undefined };
  if (row === undefined) return { target, measured: `${peer} not measured`, pass: undefined };
  const c = compare(workload, row, reference);
  if (c === undefined) {
    const failed = row.failure !== undefined ? peer : reference;
    return { target, measured: `no ratio: ${failed} failed this workload`, pass: undefined };
  }
  const pass = c.low >= minimum ? true : c.high < minimum ? false : 'tie';
  return { target, measured: `${fmtRatio(c.ratio)} (runs allow ${fmtRatio(c.low)}-${fmtRatio(c.high)}; needs ${fmtRatio(minimum)})`, pass };
}

export function evaluateTargets(workloads: readonly WorkloadResult[]): TargetOutcome[] {
  const find: Find = (id) => workloads.find((w) => w.id === id);
  return [
    versus(find, 'stdio-echo-64', 'sdk-v1', 3, 'stdio echo, 64 in flight: >= 3x TS SDK v1 (mcp-core modern vs SDK legacy)'),
    // SDK v1 speaks only the legacy era: the like-for-like comparison is on that wire.
    versus(find, 'stdio-echo-64', 'sdk-v1', 3, 'stdio echo, 64 in flight, same wire (2025-11-25): >= 3x TS SDK v1', 'mcp-core-legacy'),
    versus(find, 'stdio-echo-64', 'sdk-v2', 3, 'stdio echo, 64 in flight: >= 3x TS SDK v2'),
    versus(find, 'stdio-echo-64', 'bare', 0.75, 'stdio echo, 64 in flight: >= 75% of bare Node'),
    versus(find, 'http-modern-64', 'sdk-v2', 12, 'HTTP modern stateless, 64 in flight: >= 12x TS SDK v2'),
    versus(find, 'http-modern-64', 'bare', 0.6, 'HTTP modern stateless, 64 in flight: >= 60% of bare node:http'),
    versus(find, 'http-legacy-64', 'sdk-v1', 4, 'HTTP legacy session, 64 in flight: >= 4x TS SDK v1 (SSE, its default)'),
    versus(find, 'http-legacy-64', 'sdk-v1-json', 4, 'HTTP legacy session, 64 in flight: >= 4x TS SDK v1 with JSON replies'),
    versus(find, 'http-legacy-64', 'bare', 0.6, 'HTTP legacy session, 64 in flight: >= 0.6x bare node:http'),
    versus(find, 'http-modern-64', 'rmcp', 1, 'HTTP echo (modern), 64 in flight: >= rmcp'),
    versus(find, 'http-legacy-64', 'rmcp', 1, 'HTTP echo (legacy session), 64 in flight: >= rmcp'),
    growth(find),
    withFloor(find, versus(find, 'stdio-1mb', 'sdk-v1', 2, 'stdio 1 MB echo: >= 2x TS SDK v1'), 'stdio-1mb', 'sdk-v1', 2),
    versus(find, 'tools-list-stdio-1000', 'sdk-v1', 5, 'tools/list, 1,000 tools (stdio): >= 5x TS SDK v1'),
    sessions(find),
    coldStart(find),
    versus(find, 'python-clients-64', 'python-sdk-client', 5, 'Python execute_tool (stdio), 64 in flight: >= 5x the official Python SDK client'),
    versus(find, 'python-clients-1', 'python-sdk-client', 1.5, 'Python execute_tool (stdio), 1 in flight: >= 1.5x the official Python SDK client'),
    versus(find, 'python-tool-64', 'python', 3, 'A Python tool over HTTP (modern echo), 64 in flight: >= 3x the official Python SDK'),
    ...(['stdio', 'http'] as const).flatMap((upstream) => [
      withGatewayCost(
        find,
        versus(find, 'gateway-64', 'mcp-core', 0.85, `gateway, ${upstream} upstream, 64 in flight: >= 85% of direct throughput`, `mcp-core-gateway-${upstream}`),
        `mcp-core-gateway-${upstream}`,
        0.85,
      ),
      addedLatency(find, `mcp-core-gateway-${upstream}`, `gateway, ${upstream} upstream, 1 in flight: adds < 0.2 ms to p50`),
    ]),
    // The production kit against mcp-core with nothing on: its row is the reference, bare mcp-core the peer.
    versus(find, 'security-64', 'mcp-core', 0.85, 'HTTP modern echo, 64 in flight, JSON logs at info + metrics + rate limits: >= 85% of nothing on', 'mcp-core-logs-metrics-limits'),
    versus(find, 'security-64', 'mcp-core', 0.8, 'HTTP modern echo, 64 in flight, JWT auth (key set cached): >= 80% of nothing on', 'mcp-core-jwt'),
  ];
}

/** What a gateway adds to the median latency of a call at 1 in flight, against the server served directly. */
function addedLatency(find: Find, gateway: PeerKey, target: string): TargetOutcome {
  const workload = find('gateway-1');
  const through = rowOf(workload, gateway);
  const direct = rowOf(workload, 'mcp-core');
  if (through?.value === undefined || direct?.value === undefined) return { target, measured: 'gateway or direct row has no numbers', pass: undefined };
  const added = through.metrics.p50 - direct.metrics.p50;
  return { target, measured: `${fmtMs(through.metrics.p50)} ms vs ${fmtMs(direct.metrics.p50)} ms direct: +${fmtMs(added)} ms`, pass: added < 0.2 };
}

/**
 * Adds the references beside a large-payload target not met: bare Node (which puts the whole
 * message through JSON.parse and JSON.stringify) and the bytes-only server (which parses nothing).
 */
function withFloor(find: Find, outcome: TargetOutcome, id: string, peer: PeerKey, minimum: number): TargetOutcome {
  const workload = find(id);
  const peerRow = rowOf(workload, peer);
  if (outcome.pass === true || outcome.pass === undefined || workload === undefined || peerRow === undefined) return outcome;
  const bare = rowOf(workload, 'bare');
  const bytes = rowOf(workload, 'bytes');
  const bareLead = bare === undefined ? undefined : compare(workload, peerRow, 'bare')?.ratio;
  const bytesLead = bytes === undefined ? undefined : compare(workload, peerRow, 'bytes')?.ratio;
  const floors = [
    bareLead === undefined ? '' : `bare Node, which puts the whole message through JSON.parse and JSON.stringify, is ${fmtRatio(bareLead)} faster than the peer`,
    bytesLead === undefined ? '' : `the bytes-only floor, which parses nothing, ${fmtRatio(bytesLead)}`,
  ].filter(Boolean);
  // Only when moving the bytes would meet the target and parsing them does not is the parsing to blame.
  const verdict = bareLead !== undefined && bytesLead !== undefined && bareLead < minimum && bytesLead >= minimum ? ': going through JSON, not the machine, is the limit' : '';
  return { ...outcome, measured: `${outcome.measured}; ${floors.join(', ')}${verdict}` };
}

/**
 * Adds, beside a gateway throughput target not met, what bounds it whatever the cores: the
 * gateway process's own CPU per call against a direct server's. With a core for the upstream
 * alone, the gateway keeps at most the inverse of that ratio of direct throughput.
 */
function withGatewayCost(find: Find, outcome: TargetOutcome, gateway: PeerKey, minimum: number): TargetOutcome {
  const workload = find('gateway-64');
  const through = rowOf(workload, gateway)?.metrics.cpuUsPerCall;
  const direct = rowOf(workload, 'mcp-core')?.metrics.cpuUsPerCall;
  if (outcome.pass === true || outcome.pass === undefined || through === undefined || direct === undefined) return outcome;
  const cost = `the gateway process costs ${fmtInt(through)} µs of CPU per call, ${fmtRatio(through / direct)} a direct server's ${fmtInt(direct)} µs`;
  return { ...outcome, measured: `${outcome.measured}; ${cost}: ${fmtRatio(minimum)} needs at most ${fmtRatio(1 / minimum)}, even with a core for the upstream alone` };
}

function growth(find: Find): TargetOutcome {
  const target = 'stdio 10 MB vs 1 MB: time grows <= 12x';
  const one = rowOf(find('stdio-1mb'), 'mcp-core')?.value;
  const ten = rowOf(find('stdio-10mb'), 'mcp-core')?.value;
  if (one === undefined || ten === undefined) return { target, measured: 'mcp-core has no large-payload numbers', pass: undefined };
  const ratio = ten / one;
  // The floors show how much of the growth is the machine's: bare Node's, and that of the bytes alone.
  const grows = (key: PeerKey) => {
    const a = rowOf(find('stdio-1mb'), key)?.value;
    const b = rowOf(find('stdio-10mb'), key)?.value;
    return a === undefined || b === undefined ? undefined : b / a;
  };
  const bare = grows('bare');
  const bytes = grows('bytes');
  let floor = bare === undefined ? '' : `; bare Node grows ${fmtRatio(bare)}`;
  if (bytes !== undefined) floor += `, moving the bytes alone ${fmtRatio(bytes)}`;
  return { target, measured: `${fmtRatio(ratio)} (${fmtMs(one)} ms -> ${fmtMs(ten)} ms)${floor}`, pass: ratio <= 12 };
}

function sessions(find: Find): TargetOutcome {
  const target = 'idle legacy sessions: <= 5 KB (5,000 B) each';
  const perSession = rowOf(find('sessions-memory'), 'mcp-core')?.value;
  if (perSession === undefined) return { target, measured: 'mcp-core has no session-memory number', pass: undefined };
  return { target, measured: `${fmtBytes(perSession)} per session (${Math.round(perSession)} B)`, pass: perSession <= 5000 };
}

function coldStart(find: Find): TargetOutcome {
  const target = 'cold start to first response: <= 1.5x bare Node';
  const workload = find('cold-start');
  const core = rowOf(workload, 'mcp-core')?.value;
  const bare = rowOf(workload, 'bare')?.value;
  if (core === undefined || bare === undefined) return { target, measured: 'mcp-core or bare Node has no cold-start number', pass: undefined };
  const ratio = core / bare;
  return { target, measured: `${fmtMs(core)} ms vs ${fmtMs(bare)} ms = ${fmtRatio(ratio)} bare (limit 1.50x)`, pass: ratio <= 1.5 };
}
