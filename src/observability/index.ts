/**
 * `mcp-core/observability`: logs, metrics, traces and health for servers built with
 * mcp-core, all fed by the diagnostics channels the server publishes (off until used). A
 * separate entry point, so that importing `mcp-core` never loads pino, prom-client or
 * OpenTelemetry.
 *
 * @example
 * import { createLogger, logRequests, McpMetrics, traceRequests } from 'mcp-core/observability';
 * logRequests(createLogger({ level: 'info' }));
 * const metrics = new McpMetrics().observeServer(server);
 * await serveHttp(server, { routes: { '/metrics': metrics.route() } });
 */
export { createLogger, flushLogs, logErrors, logContext, logMixin, type LogFields, type LoggingOptions, type LogLevel } from './logger.ts';
export { logRequests } from './request-log.ts';
export { logRefusals } from './refusal-log.ts';
export { McpMetrics, type MetricsOptions } from './metrics.ts';
export { metricsRoute } from './exposition.ts';
export { traceRequests, type TracingOptions } from './tracing.ts';
export { McpContextManager } from './context-manager.ts';
export { startOtelSdk, OtelConfigError, type OtelSdk, type OtelSdkOptions } from './otel-sdk.ts';
export { clusterMetricsRoute, primaryMetricsHandler, type ClusterMetricsOptions } from './cluster-metrics.ts';
export { Health, type HealthOptions, type HealthStatus, type Readiness, type ReadinessCheck, type ReadinessCheckResult } from './health.ts';
export { eraOf, outcomeOf, type Era, type Outcome } from './request-facts.ts';
export { SPAN, traceIdFromMeta } from './trace-ids.ts';
export { DispatchMessage, ToolMessage, dispatchChannel, toolChannel } from '../server/diagnostics.ts';
export { clientRequestChannel, type ClientRequestMessage } from '../client/diagnostics.ts';
export { errorChannel, reportError, type ErrorContext, type ErrorReport } from '../protocol/error-report.ts';
export { refusalChannel, reportRefusal, type RefusalReason, type RefusalReport } from '../protocol/refusal-report.ts';
