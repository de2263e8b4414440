/**
 * Prometheus metrics with prom-client, fed by the diagnostics channels: nothing is counted,
 * and nothing is on the request path, until metrics are created. Gauges of state (sessions,
 * SSE streams, tasks) are read when scraped, never maintained per request.
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
 * plus Node's process metrics (`process_*`, `nodejs_*`) unless turned off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { refusalChannel, type RefusalReason, type RefusalReport } from '../protocol/refusal-report.ts';
import { dispatchChannel, whenSettled, type DispatchMessage } from '../server/diagnostics.ts';
import type { McpServer } from '../server/server.ts';
import { keptAlive } from '../transport/http/keep-alive.ts';
import { eraOf, methodLabel, outcomeOf, toolLabel } from './request-facts.ts';

export interface MetricsOptions {
  /** Where the metrics are registered. Default: a registry of their own. */
  registry?: Registry;
  /** Also collect Node's process metrics. Default true. */
  processMetrics?: boolean;
  /** Histogram buckets of mcp_request_duration_seconds, in seconds. */
  durationBuckets?: number[];
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const REFUSAL_REASONS: ReadonlySet<RefusalReason> = new Set(['unauthenticated', 'forbidden', 'rate_limited', 'overloaded', 'draining']);

/** The bound label children of one (method, tool, era, outcome), found without hashing labels per request. */
interface Series {
  requests: { inc(): void };
  duration: { observe(value: number): void };
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
  readonly #requests: Counter<string>;
  readonly #duration: Histogram<string>;
  readonly #inFlight: Gauge<string>;
  readonly #refusals: Counter<string>;
  readonly #servers: Set<McpServer>;
  readonly #series: Map<string, Series>;
  readonly #subscribers: ReturnType<typeof whenSettled<DispatchMessage>>;
  readonly #onRefusal: (message: unknown) => void;
  readonly #onStart: () => void;

  constructor(options: MetricsOptions = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    this.#servers = new Set();
    this.#series = new Map();
    this.#requests = new Counter({
      name: 'mcp_requests_total',
      help: 'MCP requests served, by method, tool (tools/call), outcome and protocol era.',
      labelNames: ['method', 'tool', 'outcome', 'era'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'mcp_request_duration_seconds',
      help: 'Time from a request reaching the server to its response, by method, tool (tools/call) and protocol era.',
      labelNames: ['method', 'tool', 'era'],
      buckets: options.durationBuckets ?? DEFAULT_BUCKETS,
      registers: [registry],
    });
    this.#inFlight = new Gauge({ name: 'mcp_requests_in_flight', help: 'MCP requests being served.', registers: [registry] });
    this.#refusals = new Counter({
      name: 'mcp_refusals_total',
      help: 'Requests refused before being served, by reason (unauthenticated, forbidden, rate_limited, overloaded, draining).',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.#onStart = () => this.#inFlight.inc();
    const servers = this.#servers;
    this.gauge('mcp_sessions', 'Open legacy (2025-11-25 and earlier) sessions.', () => sum(servers, (s) => s.core.notifier.sessionCount));
    this.gauge('mcp_sse_streams', 'Open Server-Sent Events streams.', keptAlive);
    this.gauge('mcp_tasks_running', 'Tasks whose work is running in this process.', () => sum(servers, (s) => s.core.tasks.runningCount));
    if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

    this.#subscribers = whenSettled((message) => this.#record(message));
    // In flight from the start of a request to its settling.
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

  /** A `GET /metrics` route for serveHttp's `routes`. */
  route(): Route {
    return metricsRoute(() => this.metrics(), this.contentType);
  }

  /** Stops counting (the registry keeps what it has). */
  close(): void {
    dispatchChannel.unsubscribe(this.#subscribers);
    dispatchChannel.start.unsubscribe(this.#onStart);
    refusalChannel.unsubscribe(this.#onRefusal);
  }

  #record(message: DispatchMessage): void {
    this.#inFlight.dec();
    const { server, request, exchange } = message;
    const method = methodLabel(server, request);
    const tool = toolLabel(server, request);
    const era = eraOf(exchange);
    const outcome = outcomeOf(message.result);
    const key = `${method}\n${tool}\n${era}\n${outcome}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { requests: this.#requests.labels(method, tool, outcome, era), duration: this.#duration.labels(method, tool, era) };
      this.#series.set(key, series);
    }
    series.requests.inc();
    series.duration.observe((message.settledAt - message.startedAt) / 1000);
  }
}

function sum(servers: Set<McpServer>, read: (server: McpServer) => number): number {
  let total = 0;
  for (const server of servers) total += read(server);
  return total;
}

/** Serves `read()` on GET (and HEAD); other methods get 405. */
export function metricsRoute(read: () => Promise<string>, contentType: string): Route {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method Not Allowed');
      req.resume();
      return;
    }
    read().then(
      (text) => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        if (res.destroyed || res.headersSent) return;
        const text = `metrics unavailable: ${error instanceof Error ? error.message : 'unknown error'}\n`;
        res.writeHead(503, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) }).end(text);
      },
    );
  };
}
