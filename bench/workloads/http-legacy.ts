/**
 * Workload 4: legacy-era (2025-11-25) echo inside one Streamable HTTP session: initialize and
 * notifications/initialized once, then every request carries that Mcp-Session-Id.
 */
import { openSession } from '../drivers/session.ts';
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, legacyHeaders } from '../lib/protocol.ts';
import { HTTP_LEGACY } from '../targets.ts';
import { measureHttp, withHttpServer } from './http-runner.ts';
import { LOAD_COLUMNS, progress } from './rows.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

export async function httpLegacy(settings: Settings): Promise<WorkloadResult> {
  const rows: Row[] = [];
  for (const target of HTTP_LEGACY) {
    const row = await withHttpServer(target, async ({ url }) =>
      measureHttp(target, settings, {
        url,
        headers: legacyHeaders(await openSession(url)),
        call: echoCall(SMALL_TEXT),
        check: echoed(SMALL_TEXT),
        connections: settings.httpConnections,
        uniqueIds: true,
      }),
    );
    progress('http-legacy', target, row);
    rows.push(row);
  }
  return {
    id: 'http-legacy',
    title: 'HTTP legacy (2025-11-25) session echo',
    description:
      `One session (initialize + notifications/initialized), then POST /mcp tools/call echo with its Mcp-Session-Id and ` +
      `MCP-Protocol-Version 2025-11-25 from ${settings.httpConnections} autocannon connections (${settings.httpConnections} in flight); ` +
      `${settings.httpWarmupS} s warm-up, then ${settings.httpS} s measured.`,
    unit: 'req/s',
    higherIsBetter: true,
    columns: LOAD_COLUMNS,
    rows,
    notes: [
      'Every request gets its own JSON-RPC id (ids must not repeat in flight within a session); the rest of the body is fixed. ' +
        'Numbering requests costs the load generator about a fifth of its peak rate, equally for every peer.',
    ],
  };
}
