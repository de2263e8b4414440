/**
 * stdio echo of 1 MB and 10 MB strings, one call at a time, every peer. The headline is the
 * median time of one whole call as the server sees it: from the request's write to the end of
 * its reply (the driver's own parse of the reply is not included).
 */
import type { LoadResult } from '../drivers/result.ts';
import { echoed } from '../lib/check.ts';
import { largeText, MB } from '../lib/payload.ts';
import { echoCall, forEra } from '../lib/protocol.ts';
import { median } from '../lib/stats.ts';
import { fmtMs, fmtRatio } from '../report/format.ts';
import { STDIO_ECHO } from '../targets.ts';
import { TIME_COLUMNS, timeCells } from './columns.ts';
import { loadTrial, measureRows, type Trial } from './runner.ts';
import { stdioRow } from './stdio-runner.ts';
import type { Settings, Workload, WorkloadResult } from './types.ts';

const PEERS = ['mcp-core', 'sdk-v1', 'sdk-v2', 'rmcp', 'python', 'bare', 'bytes'] as const;

/**
 * What a Node server going through JSON does to one call beyond moving its bytes, timed in
 * this process: decode the request, JSON.parse it, JSON.stringify the reply, encode it.
 */
export function nodeJsonWork(bytes: number): number {
  const { method, params } = forEra(echoCall(largeText(bytes)), 'modern');
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

/** A run's headline is its median time per call. */
const perCall = (result: LoadResult): Trial => ({ ...loadTrial(result), value: result.latency.p50 });

function largeEcho(id: string, bytes: number, size: string, minCalls: (s: Settings) => number): Workload {
  return {
    id,
    group: 'large',
    async run(settings): Promise<WorkloadResult> {
      const text = largeText(bytes);
      const specs = PEERS.map((key) =>
        stdioRow(
          STDIO_ECHO[key],
          { call: echoCall(text), check: echoed(text), inflight: 1, warmupMs: 0, warmupMinRequests: 2, durationMs: settings.largeMs, minRequests: minCalls(settings) },
          perCall,
        ),
      );
      const rows = await measureRows(id, specs, settings.runs, timeCells);
      const json = nodeJsonWork(bytes);
      return {
        id,
        title: `stdio echo, ${size} payload`,
        description:
          `tools/call echo of a ${size} ASCII string over stdio, 1 in flight; two warm-up calls, then ${settings.runs} runs of calls for ${settings.largeMs} ms and at least ${minCalls(settings)} each. ` +
          'Time per call is the median from writing the request to the end of its reply line.',
        unit: 'ms',
        higherIsBetter: false,
        columns: TIME_COLUMNS,
        rows,
        notes: [
          '"bytes only" moves the same bytes through the pipes without touching them: the floor under every server. ' +
            `Decoding, JSON.parse, JSON.stringify and encoding one call's messages, as bare Node does, take ${fmtMs(json)} ms at this size in the benchmark process, measured in the same run; ` +
            'mcp-core checks a long string for escapes once instead and writes it as it is (src/protocol/long-strings.ts).',
          'TS SDK v1 and v2 stdio transports drop, without a reply, any message over their default 10 MiB read buffer; a 10 MB payload fits under it, a 10 MiB one does not.',
        ],
      };
    },
  };
}

export const stdioLarge1Mb = largeEcho('stdio-1mb', MB, '1 MB (10^6 bytes)', (s) => s.largeMinCalls.oneMb);
export const stdioLarge10Mb = largeEcho('stdio-10mb', 10 * MB, '10 MB (10^7 bytes)', (s) => s.largeMinCalls.tenMb);

/** The growth from 1 MB to 10 MB of each peer, as a note under the 10 MB table (added by run.ts once both ran). */
export function growthNote(one: WorkloadResult, ten: WorkloadResult): string {
  const parts = ten.rows.flatMap((row) => {
    const base = one.rows.find((r) => r.key === row.key)?.value;
    return row.value === undefined || base === undefined ? [] : [`${row.key} ${fmtRatio(row.value / base)}`];
  });
  return `10x the bytes; time per call grew: ${parts.join(', ')} (near 10x is linear; more is worse than linear in message size).`;
}
