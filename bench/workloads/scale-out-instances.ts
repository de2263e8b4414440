/**
 * Throughput of 1, 2 and 3 mcp-core instances sharing one Redis behind a round-robin: wrk's
 * threads connect to the instances in turn (thread i to instance i mod n), so connections are
 * spread as an L4 load balancer (a Kubernetes Service) spreads them, with no proxy in the path:
 * the figures are the instances' own. Two workloads:
 * - legacy: one session opened on the first instance, then every request carries it to
 *   whichever instance its connection reaches, which reads the session's record from Redis;
 * - modern: stateless requests, which do not touch Redis.
 *
 * Each instance gets a core of its own while the cores besides the generator's suffice; on a
 * smaller machine the instances share every core, the generator's (wrk and redis-server) included,
 * and the report says so (lib/cores.ts onReplicaCores).
 */
import { echoed } from '../lib/check.ts';
import { CORE_COUNT, SERVER_CORES_AVAILABLE } from '../lib/cores.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, modernHeaders, requestBody } from '../lib/protocol.ts';
import { withRedis } from '../lib/redis.ts';
import { fmtRatio } from '../report/format.ts';
import type { PeerKey } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { httpRow, type PrepareLoad } from './http-runner.ts';
import { measureRows } from './runner.ts';
import { legacySessionEcho, serve } from './scale-out.ts';
import type { Row, Workload } from './types.ts';

const INSTANCES: ReadonlyArray<{ count: number; key: PeerKey }> = [
  { count: 1, key: 'mcp-core' },
  { count: 2, key: 'mcp-core-2-instances' },
  { count: 3, key: 'mcp-core-3-instances' },
];
/** A multiple of every instance count, so each instance gets as many connections. */
const THREADS = 6;
const CONNECTIONS = 60;

const modernEcho: PrepareLoad = async () => {
  const call = forEra(echoCall(SMALL_TEXT), 'modern');
  return { headers: modernHeaders(call), body: requestBody(1, call), ids: 1, expect: ECHO_EXPECT, reject: ECHO_REJECT, check: echoed(SMALL_TEXT) };
};

/** Where the instances ran, for the report. */
function placement(count: number): string {
  if (count <= SERVER_CORES_AVAILABLE) return count === 1 ? 'on a core of its own' : 'each on a core of its own';
  return `on the machine's ${CORE_COUNT} cores together, sharing them with wrk and redis-server`;
}

/** "2 instances: 1.62x the throughput of 1 (runs allow 1.55x-1.70x)". */
function scalingNote(rows: readonly Row[]): string {
  const one = rows.find((row) => row.key === 'mcp-core');
  if (one?.value === undefined) return 'No scaling factors: the 1-instance row failed.';
  const parts = rows
    .filter((row) => row !== one && row.value !== undefined)
    .map((row) => {
      const low = Math.min(...row.samples) / Math.max(...one.samples);
      const high = Math.max(...row.samples) / Math.min(...one.samples);
      return `${row.mode.split(',')[0]}: ${fmtRatio(row.value! / one.value!)} the throughput of 1 (runs allow ${fmtRatio(low)}-${fmtRatio(high)})`;
    });
  return `${parts.join('; ')}.`;
}

export function scaleOutInstances(era: 'legacy' | 'modern'): Workload {
  const id = `scale-out-instances-${era}`;
  return {
    id,
    group: 'scale-out',
    run: (settings) =>
      withRedis(async (redisUrl) => {
        const env = { MCP__STORE__REDIS__URL: redisUrl };
        const specs = INSTANCES.map(({ count, key }) =>
          httpRow(
            { key, era, mode: `${count} instance${count === 1 ? '' : 's'}, ${placement(count)}`, command: serve },
            settings,
            { connections: CONNECTIONS, env, prepare: era === 'legacy' ? legacySessionEcho : modernEcho, replicas: { count, threads: THREADS } },
          ),
        );
        const rows = await measureRows(id, specs, settings.runs, loadCells);
        const what =
          era === 'legacy'
            ? 'One session (initialize + notifications/initialized) opened on the first instance, then POST /mcp tools/call echo with its Mcp-Session-Id to every instance'
            : 'POST /mcp tools/call echo with the modern _meta envelope and headers, stateless';
        return {
          id,
          title: `Scale-out: 1, 2 and 3 instances behind a round-robin, ${era === 'legacy' ? 'HTTP legacy session echo, session on Redis' : 'HTTP modern stateless echo'}, ${CONNECTIONS} in flight`,
          description:
            `${what}; mcp-core serve --demo instances sharing one redis-server (MCP__STORE__REDIS__URL; redis-server on the generator's core). ` +
            `wrk with ${CONNECTIONS} connections in ${THREADS} threads, thread i connected to instance i mod n (round-robin by connection, as an L4 load balancer spreads them; no proxy in the path); ` +
            `${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s. "server CPU" adds up every instance.`,
          unit: 'req/s',
          higherIsBetter: true,
          columns: LOAD_COLUMNS,
          rows,
          notes: [
            scalingNote(rows),
            `This machine has ${CORE_COUNT} cores: ${SERVER_CORES_AVAILABLE} for servers besides the generator's. ` +
              (SERVER_CORES_AVAILABLE >= INSTANCES.length
                ? 'Every instance ran on a core of its own.'
                : 'Instances beyond that share every core with wrk and redis-server: the figures show what more processes give on this machine, not how far a deployment with a core per instance scales; "req per server CPU-second" is the figure that carries over.'),
            era === 'legacy'
              ? 'Every request reads (and refreshes) the session record in Redis, whichever instance serves it: one session, served by every instance at once.'
              : 'Stateless requests do not touch Redis: the instances share nothing but the listener addresses the load is spread over.',
            'Compare these rows with each other: they ran together, where rows of other tables may come from another run at another time.',
          ],
        };
      }),
  };
}
