/**
 * A gateway's upstreams in Prometheus metrics, read from the manager's health (plain data) at
 * each scrape: nothing is counted on the call path.
 *
 * | name | type | labels |
 * | --- | --- | --- |
 * | `mcp_upstream_up` | gauge | upstream |
 * | `mcp_upstream_breaker_state` | gauge | upstream (0 closed, 1 half-open, 2 open, 3 isolated) |
 * | `mcp_upstream_calls_total` | counter | upstream |
 * | `mcp_upstream_failures_total` | counter | upstream, reason |
 * | `mcp_upstream_calls_in_flight` | gauge | upstream |
 * | `mcp_upstream_calls_queued` | gauge | upstream |
 * | `mcp_upstream_latency_seconds` | gauge | upstream, quantile (0.5, 0.99; over the last 1,024 calls) |
 * | `mcp_upstream_restarts_total` | counter | upstream |
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the metrics read of one upstream: the fields of the manager's `UpstreamHealth` they use. */
export interface UpstreamFacts {
  name: string;
  connected: boolean;
  breaker: 'closed' | 'half-open' | 'open' | 'isolated';
  calls: { total: number; running: number; queued: number };
  failures: Record<string, number>;
  latencyMs: { p50: number | null; p99: number | null };
  restarts: number;
}

const BREAKER_VALUES = { closed: 0, 'half-open': 1, open: 2, isolated: 3 } as const;

/**
 * Registers the upstream metrics in `registry`; `read` is called once per scrape.
 *
 * @example
 * registerUpstreamMetrics(metrics.registry, () => manager.health().upstreams);
 */
export function registerUpstreamMetrics(registry: Registry, read: () => readonly UpstreamFacts[]): void {
  // One read serves every metric of a scrape: the first collector to run takes it.
  let facts: readonly UpstreamFacts[] = [];
  let readAt = -1;
  const current = () => {
    const now = performance.now();
    if (now - readAt > 100) {
      facts = read();
      readAt = now;
    }
    return facts;
  };
  /**
   * A metric filled from the upstreams at each scrape. The totals are kept by the manager, so a
   * counter shows them as they are.
   */
  const define = <M extends Gauge<string> | Counter<string>>(
    Metric: new (configuration: { name: string; help: string; labelNames: string[]; registers: Registry[]; collect: (this: M) => void }) => M,
    name: string,
    help: string,
    labelNames: string[],
    fill: (metric: M, upstream: UpstreamFacts) => void,
  ) =>
    new Metric({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const upstream of current()) fill(this, upstream);
      },
    });
  const gauge = (name: string, help: string, labelNames: string[], fill: (metric: Gauge<string>, upstream: UpstreamFacts) => void) =>
    define(Gauge<string>, name, help, labelNames, fill);
  const counter = (name: string, help: string, labelNames: string[], fill: (metric: Counter<string>, upstream: UpstreamFacts) => void) =>
    define(Counter<string>, name, help, labelNames, fill);
  gauge('mcp_upstream_up', 'Whether the gateway is connected to the upstream', ['upstream'], (m, u) => m.set({ upstream: u.name }, u.connected ? 1 : 0));
  gauge('mcp_upstream_breaker_state', 'Circuit breaker of the upstream: 0 closed, 1 half-open, 2 open, 3 isolated', ['upstream'], (m, u) =>
    m.set({ upstream: u.name }, BREAKER_VALUES[u.breaker]),
  );
  counter('mcp_upstream_calls_total', 'Calls sent to the upstream', ['upstream'], (m, u) => m.inc({ upstream: u.name }, u.calls.total));
  counter('mcp_upstream_failures_total', 'Calls to the upstream that failed, by reason', ['upstream', 'reason'], (m, u) => {
    for (const [reason, count] of Object.entries(u.failures)) m.inc({ upstream: u.name, reason }, count);
  });
  gauge('mcp_upstream_calls_in_flight', 'Calls running on the upstream', ['upstream'], (m, u) => m.set({ upstream: u.name }, u.calls.running));
  gauge('mcp_upstream_calls_queued', 'Calls waiting for a slot of the upstream', ['upstream'], (m, u) => m.set({ upstream: u.name }, u.calls.queued));
  gauge('mcp_upstream_latency_seconds', 'Latency of the upstream\'s recent calls', ['upstream', 'quantile'], (m, u) => {
    if (u.latencyMs.p50 !== null) m.set({ upstream: u.name, quantile: '0.5' }, u.latencyMs.p50 / 1000);
    if (u.latencyMs.p99 !== null) m.set({ upstream: u.name, quantile: '0.99' }, u.latencyMs.p99 / 1000);
  });
  counter('mcp_upstream_restarts_total', 'Reconnections (restarts of a stdio upstream) after a lost connection', ['upstream'], (m, u) => m.inc({ upstream: u.name }, u.restarts));
}
