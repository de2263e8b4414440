/**
 * What sharing legacy sessions on Redis costs: the legacy-session HTTP echo (as http-legacy)
 * from mcp-core with its sessions in memory (the default) and with `store.redis.url` set, each
 * request then reading and refreshing the session's record in Redis (one script). redis-server
 * (Debian's package) runs on the generator's core, so the server core's figures are
 * mcp-core's own.
 */
import { ID_SLOT } from '../drivers/wrk.ts';
import { openSession } from '../drivers/session.ts';
import { echoed } from '../lib/check.ts';
import { HOST } from '../lib/net.ts';
import { MCP_CORE_CLI, NODE } from '../lib/paths.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { withRedis } from '../lib/redis.ts';
import { echoCall, legacyHeaders, requestBody } from '../lib/protocol.ts';
import type { HttpTarget } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { httpRow, type PrepareLoad } from './http-runner.ts';
import { measureRows } from './runner.ts';
import { ratioNote } from './ratio-note.ts';
import type { Workload } from './types.ts';

/** `mcp-core serve --demo` over HTTP on `port`. */
export const serve = (port: number) => ({ command: NODE, args: [MCP_CORE_CLI, 'serve', '--http', `${HOST}:${port}`, '--demo'] });

/** The legacy-session echo: one session opened on `url`, then tools/call echo in it, each request with its own id. */
export const legacySessionEcho: PrepareLoad = async (url) => ({
  headers: legacyHeaders(await openSession(url)),
  body: requestBody(1, echoCall(SMALL_TEXT)).replace('"id":1,', `"id":${ID_SLOT},`),
  ids: 'numbered',
  expect: ECHO_EXPECT,
  reject: ECHO_REJECT,
  check: echoed(SMALL_TEXT),
});

export function scaleOut(connections: number): Workload {
  const id = `scale-out-${connections}`;
  return {
    id,
    group: 'scale-out',
    run: (settings) =>
      withRedis(async (redisUrl) => {
        const targets: Array<{ target: HttpTarget; env: Record<string, string> }> = [
          { target: { key: 'mcp-core', era: 'legacy', mode: 'CLI serve --http --demo, sessions in memory (the default)', command: serve }, env: {} },
          { target: { key: 'mcp-core-redis', era: 'legacy', mode: 'same, store.redis.url set: sessions on Redis', command: serve }, env: { MCP__STORE__REDIS__URL: redisUrl } },
        ];
        const specs = targets.map(({ target, env }) => httpRow(target, settings, { connections, env, prepare: legacySessionEcho }));
        const rows = await measureRows(id, specs, settings.runs, loadCells);
        return {
          id,
          title: `Scale-out cost: HTTP legacy session echo, sessions in memory or on Redis, ${connections} in flight`,
          description:
            'One session (initialize + notifications/initialized), then POST /mcp tools/call echo with its Mcp-Session-Id, to mcp-core serve --demo with sessions in memory and with ' +
            `MCP__STORE__REDIS__URL (redis-server on the generator's core); wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
          unit: 'req/s',
          higherIsBetter: true,
          columns: LOAD_COLUMNS,
          rows,
          notes: [
            ratioNote(rows, 'mcp-core-redis', 'Sessions on Redis', 'with sessions in memory'),
            'With Redis, each request in a session runs one script there (read the record, refresh its expiry and its place in the quotas) before it is served.',
          ],
        };
      }),
  };
}
