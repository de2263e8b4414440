/**
 * Prometheus metrics, fed by the diagnostics channels: nothing is counted, and nothing is on
 * the request path, until metrics are created. The request metrics are kept in plain numbers
 * per label set (a few map lookups and additions per request) and turned into samples only
 * when scraped; prom-client formats them and aggregates them across cluster workers. Gauges
 * of state (sessions, SSE streams, tasks) are read at scrape time, never maintained.
 *
 * | name | type | labels |
 * | --- | --- | --- |
 * | `mcp_requests_total` | counter | method, tool, outcome, era |
 * | `mcp_request_duration_seconds` | histogram | method, tool, era |
 * | `mcp_requests_in_flight` | gauge | |
 * | `mcp_refusals_total` | counter | reason |
 * | `mcp_sessions` | gauge | |
 * | `mcp_sse_streams` | gauge | |
 * | `mcp_tasks_running` | gauge | |
 *
 * plus Node's process metrics (`process_*`, `nodejs_*`) unless turned off, and on
 * {@link McpMetrics.route}'s answers `mcp_metrics_gathers_total` and
 * `mcp_metrics_gather_timestamp_seconds` (exposition.ts: scrapes share gathers).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { refusalChannel, type RefusalReason, type RefusalReport } from '../protocol/refusal-report.ts';
import { dispatchChannel, whenSettled, type DispatchMessage } from '../server/diagnostics.ts';
import type { McpServer } from '../server/server.ts';
import { keptAlive } from '../transport/http/keep-alive.ts';
import { metricsRoute } from './exposition.ts';
import { eraIndex, ERAS, methodLabel, outcomeIndex, OUTCOMES, toolLabel } from './request-facts.ts';

export interface MetricsOptions {
  /** Where the metrics are registered. Default: a registry of their own. */
  registry?: Registry;
  /** Also collect Node's process metrics. Default true. */
  processMetrics?: boolean;
  /** Histogram buckets of mcp_request_duration_seconds, in seconds. */
  durationBuckets?: number[];
  /**
   * The gathers of {@link McpMetrics.route}'s scrapes (exposition.ts): after a burst of 10, at
   * most one per this many ms, a scrape past the budget getting the last gather (less than
   * this old). Default 1000; 0: no budget (scrapes only share a gather under way).
   */
  maxAgeMs?: number;
}

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const REFUSAL_REASONS: ReadonlySet<RefusalReason> = new Set(['unauthenticated', 'forbidden', 'rate_limited', 'overloaded', 'draining']);

/** The counts of one (method, tool, era): requests by outcome, and the duration histogram. */
class Series {
  readonly method: string;
  readonly tool: string;
  readonly era: string;
  /** By outcome, in the order of OUTCOMES. */
  readonly outcomes: Float64Array;
  /** Requests per bucket, not cumulative; the last is +Inf. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;

  constructor(method: string, tool: string, era: string, bucketCount: number) {
    this.method = method;
    this.tool = tool;
    this.era = era;
    this.outcomes = new Float64Array(OUTCOMES.length);
    this.buckets = new Float64Array(bucketCount + 1);
    this.sum = 0;
    this.count = 0;
  }
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric prom-client formats and aggregates, whose samples are made at scrape time. */
function scraped(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: () => Sample[]): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset() {},
  };
  return metric as unknown as Metric;
}

/**
 * @example
 * const metrics = new McpMetrics();
 * metrics.observeServer(server);
 * await serveHttp(server, { routes: { '/metrics': metrics.route() } });
 * // later, a queue of your own:
 * metrics.gauge('mcp_queue_depth', 'Calls waiting for a concurrency slot', () => queue.length);
 */
export class McpMetrics {
  readonly registry: Registry;
  readonly #maxAgeMs: number | undefined;
  readonly #bounds: readonly number[];
  /** By method label, then tool label: the series of each era. */
  readonly #series: Map<string, Map<string, Array<Series | undefined>>>;
  #inFlight: number;
  readonly #refusals: Counter<string>;
  readonly #servers: Set<McpServer>;
  readonly #subscribers: ReturnType<typeof whenSettled<DispatchMessage>>;
  readonly #onStart: () => void;
  readonly #onRefusal: (message: unknown) => void;

  constructor(options: MetricsOptions = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    this.#maxAgeMs = options.maxAgeMs;
    this.#bounds = [...(options.durationBuckets ?? DEFAULT_BUCKETS)].sort((a, b) => a - b);
    this.#series = new Map();
    this.#inFlight = 0;
    this.#servers = new Set();
    registry.registerMetric(
      scraped('mcp_requests_total', 'MCP requests served, by method, tool (tools/call), outcome and protocol era.', 'counter', () => this.#requestSamples()),
    );
    registry.registerMetric(
      scraped(
        'mcp_request_duration_seconds',
        'Time from a request reaching the server to its response, by method, tool (tools/call) and protocol era.',
        'histogram',
        () => this.#durationSamples(),
      ),
    );
    registry.registerMetric(scraped('mcp_requests_in_flight', 'MCP requests being served.', 'gauge', () => [{ labels: {}, value: this.#inFlight }]));
    this.#refusals = new Counter({
      name: 'mcp_refusals_total',
      help: 'Requests refused before being served, by reason (unauthenticated, forbidden, rate_limited, overloaded, draining).',
      labelNames: ['reason'],
      registers: [registry],
    });
    const servers = this.#servers;
    this.gauge('mcp_sessions', 'Open legacy (2025-11-25 and earlier) sessions.', () => sum(servers, (s) => s.core.notifier.sessionCount));
    this.gauge('mcp_sse_streams', 'Open Server-Sent Events streams.', keptAlive);
    this.gauge('mcp_tasks_running', 'Tasks whose work is running in this process.', () => sum(servers, (s) => s.core.tasks.runningCount));
    if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

    // In flight from the start of a request to its settling.
    this.#onStart = () => {
      this.#inFlight++;
    };
    this.#subscribers = whenSettled((message) => this.#record(message));
    dispatchChannel.start.subscribe(this.#onStart);
    dispatchChannel.subscribe(this.#subscribers);
    this.#onRefusal = (message) => {
      const { reason } = message as RefusalReport;
      this.#refusals.inc({ reason: REFUSAL_REASONS.has(reason) ? reason : 'other' });
    };
    refusalChannel.subscribe(this.#onRefusal);
  }

  /** Counts `server`'s sessions and tasks in the gauges (requests are counted for every server). */
  observeServer(server: McpServer): this {
    this.#servers.add(server);
    return this;
  }

  /**
   * Adds a gauge read at each scrape: the hook for state kept elsewhere (a queue's depth, a
   * pool's size). `read` must be cheap and must not throw.
   */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** The text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * A `GET /metrics` route for serveHttp's `routes`; its scrapes share gathers (see
   * {@link MetricsOptions.maxAgeMs}), which `mcp_metrics_gathers_total` counts.
   */
  route(): ReturnType<typeof metricsRoute> {
    return metricsRoute(() => this.metrics(), this.contentType, { maxAgeMs: this.#maxAgeMs });
  }

  /** Stops counting (the registry keeps what it has). */
  close(): void {
    dispatchChannel.unsubscribe(this.#subscribers);
    dispatchChannel.start.unsubscribe(this.#onStart);
    refusalChannel.unsubscribe(this.#onRefusal);
  }

  #record(message: DispatchMessage): void {
    this.#inFlight--;
    const { server, request } = message;
    const method = methodLabel(server, request);
    const tool = toolLabel(server, request);
    const era = eraIndex(message.exchange);
    let byTool = this.#series.get(method);
    if (byTool === undefined) this.#series.set(method, (byTool = new Map()));
    let byEra = byTool.get(tool);
    if (byEra === undefined) byTool.set(tool, (byEra = [undefined, undefined]));
    const bounds = this.#bounds;
    const series = (byEra[era] ??= new Series(method, tool, ERAS[era], bounds.length));
    series.outcomes[outcomeIndex(message.result)]++;
    const seconds = (message.settledAt - message.startedAt) / 1000;
    series.sum += seconds;
    series.count++;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++;
    series.buckets[bucket]++;
  }

  *#allSeries(): Generator<Series> {
    for (const byTool of this.#series.values()) for (const byEra of byTool.values()) for (const series of byEra) if (series !== undefined) yield series;
  }

  #requestSamples(): Sample[] {
    const samples: Sample[] = [];
    for (const { method, tool, era, outcomes } of this.#allSeries()) {
      outcomes.forEach((value, i) => {
        if (value > 0) samples.push({ labels: { method, tool, outcome: OUTCOMES[i], era }, value });
      });
    }
    return samples;
  }

  #durationSamples(): Sample[] {
    const samples: Sample[] = [];
    const name = 'mcp_request_duration_seconds';
    for (const { method, tool, era, buckets, sum: total, count } of this.#allSeries()) {
      let cumulative = 0;
      buckets.forEach((value, i) => {
        cumulative += value;
        const le = i < this.#bounds.length ? this.#bounds[i] : '+Inf';
        samples.push({ labels: { le, method, tool, era }, value: cumulative, metricName: `${name}_bucket` });
      });
      samples.push({ labels: { method, tool, era }, value: total, metricName: `${name}_sum` });
      samples.push({ labels: { method, tool, era }, value: count, metricName: `${name}_count` });
    }
    return samples;
  }
}

function sum(servers: Set<McpServer>, read: (server: McpServer) => number): number {
  let total = 0;
  for (const server of servers) total += read(server);
  return total;
}
