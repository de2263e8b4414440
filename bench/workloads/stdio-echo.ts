/** Workload 1: stdio echo of a short string, 1 and 64 requests in flight, every stdio peer. */
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall } from '../lib/protocol.ts';
import { PEER_LABELS, STDIO_ECHO, type PeerKey } from '../targets.ts';
import { LOAD_COLUMNS, progress } from './rows.ts';
import { runStdio } from './stdio-runner.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

const PEERS: PeerKey[] = ['mcp-core', 'mcp-core-legacy', 'sdk-v1', 'sdk-v2', 'rmcp', 'python', 'bare'];

export async function stdioEcho(settings: Settings, inflight: number): Promise<WorkloadResult> {
  const id = `stdio-echo-${inflight}`;
  const rows: Row[] = [];
  for (const key of PEERS) {
    const target = STDIO_ECHO[key]!;
    const row = await runStdio(target, {
      call: echoCall(SMALL_TEXT),
      check: echoed(SMALL_TEXT),
      inflight,
      warmupMs: settings.stdioWarmupMs,
      durationMs: settings.stdioMs,
    });
    progress(id, target, row);
    rows.push(row);
  }
  return {
    id,
    title: `stdio echo, ${inflight} in flight`,
    description:
      `tools/call echo of a ${SMALL_TEXT.length}-byte string over stdio (newline-delimited JSON), ${inflight} request(s) kept in flight by the ` +
      `raw driver; ${settings.stdioWarmupMs} ms warm-up, then ${settings.stdioMs} ms measured.`,
    unit: 'req/s',
    higherIsBetter: true,
    columns: LOAD_COLUMNS,
    rows,
    notes: [
      `${PEER_LABELS['sdk-v1']} only speaks the legacy era, so it is driven with the initialize handshake; mcp-core is shown in both eras.`,
      'rmcp runs on the multi-thread tokio runtime its examples use (a current_thread runtime measured lower here); its stdio throughput grows little with concurrency.',
      'mcp-core writes the replies to requests that arrive together in a few grouped writes, where the bare Node floor writes each reply on its own: with many in flight that puts mcp-core above the floor.',
    ],
  };
}
