/**
 * Logs, metrics and traces for `mcp-core serve`, from the `logging`, `metrics` and `tracing`
 * settings. Each is loaded only when switched on; off, nothing subscribes to the diagnostics
 * channels and requests pay nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, type Config } from '../config/config.ts';
import type { UpstreamFacts } from '../observability/upstream-metrics.ts';
import type { McpServer } from '../server/server.ts';
import { configureNotices, logErrorReports, notices } from './notices.ts';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface Observability {
  /** Routes to serve beside the MCP endpoint, or on metrics.port (the metrics endpoint). */
  routes: Record<string, Route>;
  /** Counts `server`'s sessions and tasks in the metrics. */
  observe(server: McpServer): void;
  /** A gateway: its upstreams in the metrics, read from the manager's health at each scrape. */
  observeUpstreams(read: () => readonly UpstreamFacts[]): void;
  /** Adds a gauge read at each scrape, when metrics are on (a queue's depth). */
  gauge(name: string, help: string, read: () => number): void;
  /** Stores on Redis: the connection and every command in the metrics. */
  observeRedis(connection: { readonly connected: boolean }): void;
  /** Stops, exporting the spans still pending. */
  close(): Promise<void>;
}

const VERBOSE = new Set(['info', 'debug', 'trace']);

export interface ObservabilityOptions {
  /** Whether HTTP is served (metrics need it, or metrics.port). */
  http: boolean;
  /** A cluster worker: metrics are gathered across workers by the primary. */
  worker: boolean;
}

export async function startObservability(config: Config, options: ObservabilityOptions): Promise<Observability> {
  const { logging, metrics: metricsSettings, tracing } = config;
  configureNotices({ level: logging.level, format: logging.format });
  logErrorReports();
  const stops: Array<() => void | Promise<void>> = [];
  const observed: Array<(server: McpServer) => void> = [];
  const upstreamsObserved: Array<(read: () => readonly UpstreamFacts[]) => void> = [];
  let gauge: Observability['gauge'] = () => {};
  const redisObserved: Array<(connection: { readonly connected: boolean }) => void> = [];
  const routes: Record<string, Route> = {};

  if (tracing.enabled && process.env.OTEL_SDK_DISABLED !== 'true') {
    const [{ startOtelSdk, OtelConfigError }, { traceRequests }] = await Promise.all([import('../observability/otel-sdk.ts'), import('../observability/tracing.ts')]);
    const sdk = await startOtelSdk({ serviceName: tracing.serviceName, defaultServiceName: config.server.name, serviceVersion: config.server.version }).catch((error: unknown) => {
      throw error instanceof OtelConfigError ? new ConfigError(error.message) : error;
    });
    const stop = traceRequests(sdk);
    stops.push(stop, () => sdk.shutdown());
  }

  if (VERBOSE.has(logging.level)) {
    const [{ logRequests }, { logRefusals }] = await Promise.all([import('../observability/request-log.ts'), import('../observability/refusal-log.ts')]);
    stops.push(logRequests(notices()), logRefusals(notices()));
  }

  if (metricsSettings.enabled) {
    if (!options.http && metricsSettings.port === undefined) {
      notices().warn('metrics.enabled has no effect without HTTP: the metrics endpoint is served on the HTTP listener, or on metrics.port');
    } else {
      const { McpMetrics } = await import('../observability/metrics.ts');
      const { processMetrics, durationBuckets, maxAgeMs } = metricsSettings;
      const metrics = new McpMetrics({ processMetrics, durationBuckets, maxAgeMs });
      observed.push((server) => metrics.observeServer(server));
      if (Object.keys(config.mcpServers).length > 0) {
        const { registerUpstreamMetrics } = await import('../observability/upstream-metrics.ts');
        upstreamsObserved.push((read) => registerUpstreamMetrics(metrics.registry, read));
      }
      gauge = (name, help, read) => metrics.gauge(name, help, read);
      if (config.store.redis.url !== undefined) {
        const { registerRedisMetrics } = await import('../observability/redis-metrics.ts');
        redisObserved.push((connection) => stops.push(registerRedisMetrics(metrics.registry, () => connection.connected)));
      }
      if (options.worker) {
        const { clusterMetricsRoute } = await import('../observability/cluster-metrics.ts');
        routes[metricsSettings.path] = clusterMetricsRoute(metrics.registry, { maxAgeMs });
      } else {
        routes[metricsSettings.path] = metrics.route();
      }
      stops.push(() => metrics.close());
    }
  }

  return {
    routes,
    observe: (server) => {
      for (const observe of observed) observe(server);
    },
    observeUpstreams: (read) => {
      for (const observe of upstreamsObserved) observe(read);
    },
    gauge: (name, help, read) => gauge(name, help, read),
    observeRedis: (connection) => {
      for (const observe of redisObserved) observe(connection);
    },
    close: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
