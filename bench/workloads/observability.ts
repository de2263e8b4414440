/**
 * What switching observability on costs: modern HTTP echo from mcp-core as it ships, with JSON
 * logs at info (one line per request, written to a pipe the bench drains) and Prometheus
 * metrics on, and with OpenTelemetry tracing on (a span per request and per tool call, made and
 * sampled but exported nowhere), in the same run. The target: logs at info with metrics keep at
 * least 85% of the bare throughput.
 */
import { echoed } from '../lib/check.ts';
import { MCP_CORE_CLI, NODE } from '../lib/paths.ts';
import { SMALL_TEXT } from '../lib/payload.ts';
import { echoCall, forEra, modernHeaders, requestBody } from '../lib/protocol.ts';
import type { HttpTarget } from '../targets.ts';
import { LOAD_COLUMNS, loadCells } from './columns.ts';
import { httpRow } from './http-runner.ts';
import { ECHO_EXPECT, ECHO_REJECT } from './http-modern.ts';
import { measureRows } from './runner.ts';
import { ratioNote } from './ratio-note.ts';
import type { Workload } from './types.ts';

const serve = (port: number) => ({ command: NODE, args: [MCP_CORE_CLI, 'serve', '--http', `127.0.0.1:${port}`, '--demo'] });

/** Each target with the environment that switches its observability on. */
const TARGETS: Array<{ target: HttpTarget; env: Record<string, string> }> = [
  { target: { key: 'mcp-core', era: 'modern', mode: 'CLI serve --http --demo, observability off (the default)', command: serve }, env: {} },
  {
    target: { key: 'mcp-core-logs-metrics', era: 'modern', mode: 'same, MCP__LOGGING__LEVEL=info MCP__LOGGING__FORMAT=json MCP__METRICS__ENABLED=true', command: serve },
    env: { MCP__LOGGING__LEVEL: 'info', MCP__LOGGING__FORMAT: 'json', MCP__METRICS__ENABLED: 'true' },
  },
  {
    target: { key: 'mcp-core-tracing', era: 'modern', mode: 'same, MCP__TRACING__ENABLED=true OTEL_TRACES_EXPORTER=none', command: serve },
    env: { MCP__TRACING__ENABLED: 'true', OTEL_TRACES_EXPORTER: 'none' },
  },
];

export function observabilityCost(connections: number): Workload {
  const id = `observability-${connections}`;
  return {
    id,
    group: 'observability',
    async run(settings) {
      const call = forEra(echoCall(SMALL_TEXT), 'modern');
      const specs = TARGETS.map(({ target, env }) =>
        httpRow(target, settings, {
          connections,
          env,
          prepare: async () => ({ headers: modernHeaders(call), body: requestBody(1, call), ids: 1, expect: ECHO_EXPECT, reject: ECHO_REJECT, check: echoed(SMALL_TEXT) }),
        }),
      );
      const rows = await measureRows(id, specs, settings.runs, loadCells);
      return {
        id,
        title: `Observability cost: HTTP modern echo with logs, metrics or tracing on, ${connections} in flight`,
        description:
          'POST /mcp tools/call echo (2026-07-28, stateless) to mcp-core serve --demo with observability off, with JSON logs at info and metrics on, and with tracing on; ' +
          `wrk with ${connections} connection(s); ${settings.httpWarmupS} s warm-up, then ${settings.runs} runs of ${settings.httpS} s.`,
        unit: 'req/s',
        higherIsBetter: true,
        columns: LOAD_COLUMNS,
        rows,
        notes: [
          ratioNote(rows, 'mcp-core-logs-metrics', 'JSON logs at info + metrics', 'with observability off', 0.85),
          ratioNote(rows, 'mcp-core-tracing', 'Tracing (spans made, not exported)', 'with observability off'),
          'The log lines go to the server\'s stderr, a pipe the bench reads; metrics are counted, not scraped, during the runs.',
        ],
      };
    },
  };
}
