/**
 * The project's performance targets, checked against one run's numbers. A target whose numbers
 * are missing (a peer failed, or the workload was not run) is reported as such, not as a pass.
 */
import { fmtBytes, fmtMs, fmtRatio } from './format.ts';
import { advantage, rowOf } from './ratios.ts';
import type { PeerKey } from '../targets.ts';
import type { WorkloadResult } from '../workloads/types.ts';

export interface TargetOutcome {
  target: string;
  measured: string;
  /** undefined: could not be evaluated in this run. */
  pass: boolean | undefined;
}

type Find = (id: string) => WorkloadResult | undefined;

/** mcp-core (or its row `reference`) vs a peer in one workload, against a minimum advantage. */
function versus(find: Find, id: string, peer: PeerKey, minimum: number, target: string, reference: PeerKey = 'mcp-core'): TargetOutcome {
  const workload = find(id);
  const row = rowOf(workload, peer);
  if (workload === undefined) return { target, measured: 'workload not run', pass: undefined };
  if (row === undefined) return { target, measured: `${peer} not measured`, pass: undefined };
  const ratio = advantage(workload, row, reference);
  if (ratio === undefined) {
    const failed = row.failure !== undefined ? peer : 'mcp-core';
    return { target, measured: `no ratio: ${failed} failed this workload`, pass: undefined };
  }
  return { target, measured: `${fmtRatio(ratio)} (needs ${fmtRatio(minimum)})`, pass: ratio >= minimum };
}

export function evaluateTargets(workloads: readonly WorkloadResult[]): TargetOutcome[] {
  const find: Find = (id) => workloads.find((w) => w.id === id);
  const outcomes: TargetOutcome[] = [
    versus(find, 'stdio-echo-64', 'sdk-v1', 3, 'stdio echo, 64 in flight: >= 3x TS SDK v1 (mcp-core modern vs SDK legacy)'),
    // SDK v1 speaks only the legacy era: the like-for-like comparison is on that wire.
    versus(find, 'stdio-echo-64', 'sdk-v1', 3, 'stdio echo, 64 in flight, same wire (2025-11-25): >= 3x TS SDK v1', 'mcp-core-legacy'),
    versus(find, 'stdio-echo-64', 'sdk-v2', 3, 'stdio echo, 64 in flight: >= 3x TS SDK v2'),
    versus(find, 'stdio-echo-64', 'bare', 0.75, 'stdio echo, 64 in flight: >= 75% of bare Node'),
    versus(find, 'http-modern', 'sdk-v2', 12, 'HTTP modern stateless: >= 12x TS SDK v2'),
    versus(find, 'http-modern', 'bare', 0.6, 'HTTP modern stateless: >= 60% of bare node:http'),
    versus(find, 'http-legacy', 'sdk-v1', 4, 'HTTP legacy session: >= 4x TS SDK v1'),
    versus(find, 'http-legacy', 'bare', 0.6, 'HTTP legacy session: >= 0.6x bare node:http'),
    versus(find, 'http-modern', 'rmcp', 1, 'HTTP echo (modern): >= rmcp'),
    versus(find, 'http-legacy', 'rmcp', 1, 'HTTP echo (legacy session): >= rmcp'),
    growth(find),
    withFloor(find, versus(find, 'stdio-1mb', 'sdk-v1', 2, 'stdio 1 MB echo: >= 2x TS SDK v1'), 'stdio-1mb', 'sdk-v1'),
    versus(find, 'tools-list-stdio', 'sdk-v1', 5, 'tools/list, 1,000 tools (stdio): >= 5x TS SDK v1'),
    sessions(find),
    coldStart(find),
  ];
  return outcomes;
}

/** Adds how far bare Node itself is ahead of the peer: no Node server can be further ahead. */
function withFloor(find: Find, outcome: TargetOutcome, id: string, peer: PeerKey): TargetOutcome {
  const workload = find(id);
  const bare = rowOf(workload, 'bare');
  const ceiling = workload !== undefined && bare !== undefined ? advantage(workload, rowOf(workload, peer)!, 'bare') : undefined;
  if (outcome.pass !== false || ceiling === undefined) return outcome;
  const bytes = rowOf(workload, 'bytes')?.value;
  const transfer = bytes === undefined ? '' : `; moving the bytes alone takes ${fmtMs(bytes)} ms`;
  return { ...outcome, measured: `${outcome.measured}; bare Node itself is ${fmtRatio(ceiling)} the peer${transfer}` };
}

function growth(find: Find): TargetOutcome {
  const target = 'stdio 10 MB vs 1 MB: time grows <= 12x';
  const one = rowOf(find('stdio-1mb'), 'mcp-core')?.value;
  const ten = rowOf(find('stdio-10mb'), 'mcp-core')?.value;
  if (one === undefined || ten === undefined) return { target, measured: 'mcp-core has no large-payload numbers', pass: undefined };
  const ratio = ten / one;
  // The floors show how much of the growth is the machine's: bare Node's, and that of the bytes alone.
  const bareOne = rowOf(find('stdio-1mb'), 'bare')?.value;
  const bareTen = rowOf(find('stdio-10mb'), 'bare')?.value;
  const bytesOne = rowOf(find('stdio-1mb'), 'bytes')?.value;
  const bytesTen = rowOf(find('stdio-10mb'), 'bytes')?.value;
  let floor = bareOne !== undefined && bareTen !== undefined ? `; bare Node grows ${fmtRatio(bareTen / bareOne)}` : '';
  if (bytesOne !== undefined && bytesTen !== undefined) floor += `, moving the bytes alone ${fmtRatio(bytesTen / bytesOne)}`;
  return { target, measured: `${fmtRatio(ratio)} (${fmtMs(one)} ms -> ${fmtMs(ten)} ms)${floor}`, pass: ratio <= 12 };
}

function sessions(find: Find): TargetOutcome {
  const workload = find('sessions-memory');
  const target = 'idle legacy sessions: <= 5 KB (5,000 B) each';
  const perSession = rowOf(workload, 'mcp-core')?.value;
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
