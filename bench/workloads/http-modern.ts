/**
 * Workload 3: stateless echo over Streamable HTTP in the modern era (2026-07-28): no session,
 * every request carries the `_meta` envelope and the MCP-* headers. SDK v1 cannot speak this
 * era; it is measured in its own stateless (legacy) mode and marked so.
 */
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, legacyHeaders, modernHeaders } from '../lib/protocol.ts';
import { HTTP_MODERN, PEER_LABELS } from '../targets.ts';
import { measureHttp, withHttpServer } from './http-runner.ts';
import { LOAD_COLUMNS, progress } from './rows.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

export async function httpModern(settings: Settings): Promise<WorkloadResult> {
  const rows: Row[] = [];
  for (const target of HTTP_MODERN) {
    const call = forEra(echoCall(SMALL_TEXT), target.era);
    const row = await withHttpServer(target, ({ url }) =>
      measureHttp(target, settings, {
        url,
        headers: target.era === 'modern' ? modernHeaders(call) : legacyHeaders(),
        call,
        check: echoed(SMALL_TEXT),
        connections: settings.httpConnections,
      }),
    );
    progress('http-modern', target, row);
    rows.push(row);
  }
  return {
    id: 'http-modern',
    title: 'HTTP modern (2026-07-28) stateless echo',
    description:
      `POST /mcp tools/call echo with the modern _meta envelope and headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name), ` +
      `${settings.httpConnections} autocannon connections; ${settings.httpWarmupS} s warm-up, then ${settings.httpS} s measured.`,
    unit: 'req/s',
    higherIsBetter: true,
    columns: LOAD_COLUMNS,
    rows,
    notes: [
      `${PEER_LABELS['sdk-v1-stateless']} is legacy-era traffic (no envelope, MCP-Protocol-Version 2025-11-25): SDK v1 has no 2026-07-28 support.`,
      'bare node:http is close to what one autocannon process can generate on this 2-core machine, so ratios to it are bounded by the generator as much as by the server.',
      'mcp-core with 2 workers shares the 2 cores with autocannon: this shows the cost or gain of the cluster on a small machine; on more cores the stateless era scales with the workers.',
    ],
  };
}
