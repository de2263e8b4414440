/** stdio echo of a short string, 1 and 64 requests in flight, every stdio peer. */
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall } from '../lib/protocol.ts';
import { PEER_LABELS, STDIO_ECHO } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { measureRows } from './runner.ts';
import { stdioRow } from './stdio-runner.ts';
import type { Workload } from './types.ts';

const PEERS = ['mcp-core', 'mcp-core-legacy', 'sdk-v1', 'sdk-v2', 'rmcp', 'python', 'bare'] as const;

export function stdioEcho(inflight: number): Workload {
  const id = `stdio-echo-${inflight}`;
  return {
    id,
    group: 'stdio',
    async run(settings) {
      const specs = PEERS.map((key) =>
        stdioRow(STDIO_ECHO[key], { call: echoCall(SMALL_TEXT), check: echoed(SMALL_TEXT), inflight, warmupMs: settings.stdioWarmupMs, durationMs: settings.stdioMs }),
      );
      return {
        id,
        title: `stdio echo, ${inflight} in flight`,
        description:
          `tools/call echo of a ${SMALL_TEXT.length}-byte string over stdio (newline-delimited JSON), ${inflight} request(s) kept in flight by the ` +
          `raw driver; ${settings.stdioWarmupMs} ms warm-up, then ${settings.runs} runs of ${settings.stdioMs} ms.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: LOAD_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, loadCells),
        notes: [
          `${PEER_LABELS['sdk-v1']} only speaks the legacy era, so it is driven with the initialize handshake; mcp-core is shown in both eras.`,
          'rmcp runs on the multi-thread tokio runtime its examples use, with one worker thread: every server gets one core.',
          'mcp-core writes the replies to requests that arrive together in a few grouped writes, where the bare Node floor writes each reply on its own: with many in flight that puts mcp-core above the floor.',
          'The load generator here is the suite\'s own Node driver on the other core; "load-gen CPU" near 100% would mean it, not the server, is the limit.',
        ],
      };
    },
  };
}
