/**
 * Gateway overhead: the same echo through mcp-core's gateway and from the server directly, in
 * the same run (modern era, stateless HTTP), beside FastMCP's proxy and ContextForge in front of
 * the same upstream server and the TS SDK v1 stdio server behind mcp-core's gateway. At 1 in flight the p50
 * difference is what the gateway adds to a call; with many in flight, the throughput it keeps.
 *
 * On 2 cores the throughput ratio is not the gateway's overhead: the direct row has a core for
 * one server, a gateway row fits the gateway and its upstream on that core (or puts the
 * upstream beside wrk). So each row also reports the CPU per call of the gateway process alone,
 * to compare with the CPU per call of the server served directly.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, legacyHeaders, modernHeaders, requestBody } from '../lib/protocol.ts';
import { fmtInt, fmtRatio } from '../report/format.ts';
import { contextForgeTokenFile, HTTP_GATEWAY, PEER_LABELS, type PeerKey } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { httpRow } from './http-runner.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { measureRows, type Cells } from './runner.ts';
import type { Row, Workload } from './types.ts';

/** The tool each row calls: mcp-core's gateway and ContextForge namespace it, a direct server or FastMCP's proxy does not. */
const toolOf = (key: PeerKey) => (key.startsWith('mcp-core-gateway') ? 'up__echo' : key === 'contextforge' ? 'up-echo' : 'echo');

/** ContextForge's bearer token, written by its wrapper once the upstream is registered (a first start migrates its database). */
async function contextForgeAuth(url: string): Promise<Record<string, string>> {
  const file = contextForgeTokenFile(Number(new URL(url).port));
  const deadline = Date.now() + 120_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error('ContextForge did not register its upstream within 120 s');
    await sleep(250);
  }
  const token = readFileSync(file, 'utf8').trim();
  rmSync(file, { force: true });
  return { authorization: `Bearer ${token}` };
}

const CPU_PER_CALL = 'CPU µs per call (gateway process alone)';
const cells: Cells = (m) => [...loadCells(m), fmtInt(m.metrics.cpuUsPerCall)];

export function gatewayOverhead(connections: number): Workload {
  const id = `gateway-${connections}`;
  return {
    id,
    group: 'gateway',
    async run(settings) {
      // ContextForge answers some 10-50 calls a second on one core: 64 in flight would not see a reply within the warm-up.
      const targets = connections === 1 ? HTTP_GATEWAY : HTTP_GATEWAY.filter((target) => target.key !== 'contextforge');
      const specs = targets.map((target) => {
        const call = forEra({ method: 'tools/call', params: { ...echoCall(SMALL_TEXT).params, name: toolOf(target.key) } }, target.era);
        const headers = target.era === 'modern' ? modernHeaders(call) : legacyHeaders();
        return httpRow(target, settings, {
          connections,
          prepare: async (url) => ({
            headers: target.key === 'contextforge' ? { ...headers, ...(await contextForgeAuth(url)) } : headers,
            body: requestBody(1, call),
            ids: 1,
            expect: ECHO_EXPECT,
            reject: ECHO_REJECT,
            check: echoed(SMALL_TEXT),
          }),
        });
      });
      const rows = await measureRows(id, specs, settings.runs, cells);
      return {
        id,
        title: `Gateway overhead: HTTP echo through the gateway vs direct, ${connections} in flight`,
        description:
          'POST /mcp tools/call echo (modern, stateless) to mcp-core serve --demo directly, and up__echo to mcp-core\'s gateway in front of the same server ' +
          '(its upstream over stdio or over HTTP), echo to FastMCP\'s proxy in front of the same stdio server, up-echo (legacy era) to ContextForge in front of the same HTTP server, and the TS SDK v1 stdio server through mcp-core\'s gateway beside SDK v1 served directly; ' +
          `wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: [...LOAD_COLUMNS, CPU_PER_CALL],
        rows,
        notes: [
          ...ratios(rows),
          `"${CPU_PER_CALL}" is the CPU time of the gateway (or proxy) process alone, its upstream left out, per call; for a server served directly, that server's. It is the gateway's own cost, whatever the cores: the honest overhead figure on 2 cores.`,
          'The server core runs everything of a row: a gateway row runs the gateway and its upstream there, two servers\' work per call, where the direct row runs one; "on the generator core" rows put the upstream beside wrk instead. Keeping 85% of direct throughput needs the setting the direct row has, a core for the upstream alone (a third core), and the gateway\'s own CPU per call within 1/0.85 = 1.18x a direct server\'s: with the upstream on a core of its own, the gateway process is the limit.',
          'The gateway keeps one connection to its upstream (one stdio pipe, or one HTTP origin with keep-alive) for every call; FastMCP\'s proxy here reuses one connected upstream session too.',
          `${PEER_LABELS['sdk-v1-stateless-json']} is legacy-era traffic (SDK v1 has no 2026-07-28 support); through the gateway the same SDK v1 server (over stdio) is called in the modern era.`,
          ...(connections === 1 ? [] : ['ContextForge is measured at 1 in flight only: on one core it answers tens of calls a second, so 64 calls in flight take longer than a run\'s warm-up to see their first replies.']),
          'ContextForge speaks the 2025-11-25 era on /mcp/ (stateless, no session id), so its row is legacy-era traffic; its upstream is over HTTP, as it takes no stdio server without a separate bridge process.',
        ],
      };
    },
  };
}

/** The ratios the gateway targets are about, from the medians of the rows. */
function ratios(rows: Row[]): string[] {
  const row = (key: PeerKey) => rows.find((r) => r.key === key && r.value !== undefined);
  const direct = row('mcp-core');
  const notes: string[] = [];
  for (const key of ['mcp-core-gateway-stdio', 'mcp-core-gateway-http', 'mcp-core-gateway-stdio-apart', 'mcp-core-gateway-http-apart'] as const) {
    const gateway = row(key);
    if (direct === undefined || gateway === undefined) continue;
    const kept = gateway.value! / direct.value!;
    const cpu = gateway.metrics.cpuUsPerCall / direct.metrics.cpuUsPerCall;
    notes.push(
      `${PEER_LABELS[key]}: ${(kept * 100).toFixed(0)}% of direct throughput; p50 ${fmtDelta(gateway.metrics.p50 - direct.metrics.p50)} ms; the gateway process costs ${fmtInt(gateway.metrics.cpuUsPerCall)} µs CPU per call, ${fmtRatio(cpu)} a direct server's ${fmtInt(direct.metrics.cpuUsPerCall)} µs.`,
    );
  }
  for (const [ours, peer, upstream] of [
    ['mcp-core-gateway-stdio', 'fastmcp-proxy', 'stdio'],
    ['mcp-core-gateway-http', 'contextforge', 'HTTP'],
  ] as const) {
    const a = row(ours);
    const b = row(peer);
    if (a === undefined || b === undefined) continue;
    notes.push(
      `mcp-core's gateway vs ${PEER_LABELS[peer]} (both with the same ${upstream} upstream on the server core): ${fmtRatio(a.value! / b.value!)} the throughput, ${fmtRatio(b.metrics.cpuUsPerCall / a.metrics.cpuUsPerCall)} less CPU per call.`,
    );
  }
  return notes;
}

function fmtDelta(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(2)}`;
}
