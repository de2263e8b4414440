/**
 * Legacy-era (2025-11-25) echo inside one Streamable HTTP session: initialize and
 * notifications/initialized once, then every request carries that Mcp-Session-Id and its own
 * JSON-RPC id. 1 and 64 connections.
 */
import { ID_SLOT } from '../drivers/wrk.ts';
import { openSession } from '../drivers/session.ts';
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, legacyHeaders, requestBody } from '../lib/protocol.ts';
import { HTTP_LEGACY } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { httpRow } from './http-runner.ts';
import { measureRows } from './runner.ts';
import type { Workload } from './types.ts';

export function httpLegacy(connections: number): Workload {
  const id = `http-legacy-${connections}`;
  return {
    id,
    group: 'http-legacy',
    async run(settings) {
      const body = requestBody(1, echoCall(SMALL_TEXT)).replace('"id":1,', `"id":${ID_SLOT},`);
      const specs = HTTP_LEGACY.map((target) =>
        httpRow(target, settings, {
          connections,
          prepare: async (url) => ({ headers: legacyHeaders(await openSession(url)), body, ids: 'numbered', expect: ECHO_EXPECT, reject: ECHO_REJECT, check: echoed(SMALL_TEXT) }),
        }),
      );
      return {
        id,
        title: `HTTP legacy (2025-11-25) session echo, ${connections} in flight`,
        description:
          'One session (initialize + notifications/initialized), then POST /mcp tools/call echo with its Mcp-Session-Id and ' +
          `MCP-Protocol-Version 2025-11-25 from wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: LOAD_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, loadCells),
        notes: [
          'Every request gets its own JSON-RPC id (ids must not repeat in flight within a session), and every reply is matched to a pending id.',
          'TS SDK v1 is shown with its default SSE replies and with enableJsonResponse (JSON, like mcp-core).',
        ],
      };
    },
  };
}
