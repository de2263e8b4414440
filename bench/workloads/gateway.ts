/**
 * Gateway overhead: the same echo through mcp-core's gateway and from the server directly, in
 * the same run (modern era, stateless HTTP). At 1 in flight the p50 difference is what the
 * gateway adds to a call; with many in flight, the throughput it keeps.
 */
import { echoed } from '../lib/check.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, modernHeaders, requestBody } from '../lib/protocol.ts';
import { HTTP_GATEWAY } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { httpRow } from './http-runner.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { measureRows } from './runner.ts';
import type { Workload } from './types.ts';

export function gatewayOverhead(connections: number): Workload {
  const id = `gateway-${connections}`;
  return {
    id,
    group: 'gateway',
    async run(settings) {
      const specs = HTTP_GATEWAY.map((target) => {
        const direct = echoCall(SMALL_TEXT);
        const call = forEra(target.key === 'mcp-core' ? direct : { method: direct.method, params: { ...direct.params, name: 'up__echo' } }, 'modern');
        return httpRow(target, settings, {
          connections,
          prepare: async () => ({ headers: modernHeaders(call), body: requestBody(1, call), ids: 1, expect: ECHO_EXPECT, reject: ECHO_REJECT, check: echoed(SMALL_TEXT) }),
        });
      });
      return {
        id,
        title: `Gateway overhead: HTTP echo through the gateway vs direct, ${connections} in flight`,
        description:
          'POST /mcp tools/call echo (modern, stateless) to mcp-core serve --demo directly, and up__echo to mcp-core\'s gateway in front of the same server, ' +
          `its upstream over stdio or over HTTP; wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: LOAD_COLUMNS,
        rows: await measureRows(id, specs, settings.runs, loadCells),
        notes: [
          'Each row gets the same cores for everything it runs: a gateway row runs the gateway and its upstream there, so it does two servers\' work per call. The p50 at 1 in flight is what the gateway adds to a call.',
          'The gateway keeps one connection to its upstream (one stdio pipe, or one HTTP origin with keep-alive) for every call.',
        ],
      };
    },
  };
}
