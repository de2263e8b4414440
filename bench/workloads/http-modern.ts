/**
 * Stateless echo over Streamable HTTP in the modern era (2026-07-28): no session, every
 * request carries the `_meta` envelope and the MCP-* headers. SDK v1 cannot speak this era; it
 * is measured in its own stateless (legacy) mode and marked so. 1 and 64 connections.
 */
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, legacyHeaders, modernHeaders, requestBody } from '../lib/protocol.ts';
import { HTTP_MODERN, PEER_LABELS } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { httpRow } from './http-runner.ts';
import { measureRows } from './runner.ts';
import type { Workload } from './types.ts';

/** Strings every good echo reply holds, and strings none does; the full check runs on samples. */
export const ECHO_EXPECT = [`"text":${JSON.stringify(SMALL_TEXT)}`];
export const ECHO_REJECT = ['"error":', '"isError":true'];

export function httpModern(connections: number): Workload {
  const id = `http-modern-${connections}`;
  return {
    id,
    group: 'http-modern',
    async run(settings) {
      const specs = HTTP_MODERN.map((target) => {
        const call = forEra(echoCall(SMALL_TEXT), target.era);
        const headers = target.era === 'modern' ? modernHeaders(call) : legacyHeaders();
        return httpRow(target, settings, {
          connections,
          prepare: async () => ({ headers, body: requestBody(1, call), ids: 1, expect: ECHO_EXPECT, reject: ECHO_REJECT, check: echoed(SMALL_TEXT) }),
        });
      });
      return {
        id,
        title: `HTTP modern (2026-07-28) stateless echo, ${connections} in flight`,
        description:
          'POST /mcp tools/call echo with the modern _meta envelope and headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name), ' +
          `from wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: LOAD_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, loadCells),
        notes: [
          `${PEER_LABELS['sdk-v1-stateless']} is legacy-era traffic (no envelope, MCP-Protocol-Version 2025-11-25): SDK v1 has no 2026-07-28 support. It is shown with its default SSE replies and with enableJsonResponse (JSON, like mcp-core).`,
          'mcp-core with workers (node:cluster) is measured only when the machine has cores to spare for it besides the load generator\'s (3 or more).',
        ],
      };
    },
  };
}
