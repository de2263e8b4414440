/**
 * Workload 2: stdio echo of 1 MB and 10 MB strings, one call at a time. The headline is the
 * median time of one whole call as the server sees it: from the request's write to the end of
 * its reply (the driver's own parse of the reply is not included).
 */
import { echoed } from '../lib/check.ts';
import { largeText, MB } from '../lib/payload.ts';
import { echoCall } from '../lib/protocol.ts';
import { fmtInt, fmtMs, fmtRatio } from '../report/format.ts';
import { STDIO_ECHO, type PeerKey } from '../targets.ts';
import { progress } from './rows.ts';
import { runStdio } from './stdio-runner.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

const PEERS: PeerKey[] = ['mcp-core', 'sdk-v1', 'bare'];

async function measure(settings: Settings, bytes: number, minCalls: number, id: string): Promise<Row[]> {
  const text = largeText(bytes);
  const rows: Row[] = [];
  for (const key of PEERS) {
    const target = STDIO_ECHO[key]!;
    const row = await runStdio(target, {
      call: echoCall(text),
      check: echoed(text),
      inflight: 1,
      warmupMs: 0,
      warmupMinRequests: 2,
      durationMs: settings.largeMs,
      minRequests: minCalls,
    });
    if (row.result !== undefined) {
      const { latency, ok, errors } = row.result;
      row.value = latency.p50;
      row.cells = [fmtMs(latency.p50), fmtMs(latency.p99), fmtInt(ok), fmtInt(errors)];
    }
    progress(id, target, row);
    rows.push(row);
  }
  return rows;
}

export async function stdioLarge(settings: Settings): Promise<WorkloadResult[]> {
  const one = await measure(settings, MB, settings.largeMinCalls.oneMb, 'stdio-1mb');
  const ten = await measure(settings, 10 * MB, settings.largeMinCalls.tenMb, 'stdio-10mb');
  for (const row of ten) {
    const base = one.find((r) => r.key === row.key)?.value;
    const growth = row.value !== undefined && base !== undefined ? row.value / base : NaN;
    if (row.value !== undefined) row.cells.push(fmtRatio(growth));
  }
  const description = (size: string, min: number) =>
    `tools/call echo of a ${size} ASCII string over stdio, 1 in flight; two warm-up calls, then calls for ${settings.largeMs} ms and at least ${min}. ` +
    'Time per call is the median from writing the request to the end of its reply line.';
  const columns = ['ms per call (median)', 'p99 ms', 'calls', 'errors'];
  return [
    { id: 'stdio-1mb', title: 'stdio echo, 1 MB payload', description: description('1 MB (10^6 bytes)', settings.largeMinCalls.oneMb), unit: 'ms', higherIsBetter: false, columns, rows: one, notes: [] },
    {
      id: 'stdio-10mb',
      title: 'stdio echo, 10 MB payload',
      description: description('10 MB (10^7 bytes)', settings.largeMinCalls.tenMb),
      unit: 'ms',
      higherIsBetter: false,
      columns: [...columns, '10 MB / 1 MB time'],
      rows: ten,
      notes: [
        '10x the bytes: a growth near 10x is linear; more means something is worse than linear in message size.',
        'TS SDK v1 (and v2) stdio transports drop, without a reply, any message over their default 10 MiB read buffer; a 10 MB payload fits under it, a 10 MiB one does not.',
      ],
    },
  ];
}
