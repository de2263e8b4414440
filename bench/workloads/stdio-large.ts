/**
 * Workload 2: stdio echo of 1 MB and 10 MB strings, one call at a time. The headline is the
 * median time of one whole call as the server sees it: from the request's write to the end of
 * its reply (the driver's own parse of the reply is not included).
 */
import { echoed } from '../lib/check.ts';
import { largeText, MB } from '../lib/payload.ts';
import { echoCall, forEra } from '../lib/protocol.ts';
import { median } from '../lib/stats.ts';
import { fmtInt, fmtMs, fmtRatio } from '../report/format.ts';
import { STDIO_ECHO, type PeerKey } from '../targets.ts';
import { progress } from './rows.ts';
import { runStdio } from './stdio-runner.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

const PEERS: PeerKey[] = ['mcp-core', 'sdk-v1', 'bare', 'bytes'];

/**
 * What every Node server does to one call beyond moving its bytes, timed in this process:
 * decode the request, JSON.parse it, JSON.stringify the reply, encode it.
 */
function nodeJsonWork(text: string): number {
  const { method, params } = forEra(echoCall(text), 'modern');
  const request = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  const times: number[] = [];
  for (let run = 0; run < 25; run++) {
    const start = performance.now();
    const parsed = JSON.parse(request.toString('utf8')) as { params: { arguments: { text: string } } };
    Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: parsed.params.arguments.text }], resultType: 'complete' } }));
    times.push(performance.now() - start);
  }
  return median(times);
}

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
  const jsonOne = nodeJsonWork(largeText(MB));
  const jsonTen = nodeJsonWork(largeText(10 * MB));
  const floors =
    'The two floors under every Node server: "bytes only" moves the same bytes through the pipes without touching them; ' +
    `decoding, JSON.parse, JSON.stringify and encoding one call's messages take ${fmtMs(jsonOne)} ms at 1 MB and ${fmtMs(jsonTen)} ms at 10 MB ` +
    `(${fmtRatio(jsonTen / jsonOne)}) in the benchmark process, measured in the same run.`;
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
    { id: 'stdio-1mb', title: 'stdio echo, 1 MB payload', description: description('1 MB (10^6 bytes)', settings.largeMinCalls.oneMb), unit: 'ms', higherIsBetter: false, columns, rows: one, notes: [floors] },
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
        floors,
        'TS SDK v1 (and v2) stdio transports drop, without a reply, any message over their default 10 MiB read buffer; a 10 MB payload fits under it, a 10 MiB one does not.',
      ],
    },
  ];
}
