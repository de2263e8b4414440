/**
 * The OpenTelemetry SDK as `mcp-core serve` sets it up, from the standard environment
 * variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/):
 *
 * - `OTEL_TRACES_EXPORTER`: `otlp` (default, OTLP over HTTP/protobuf), `console`, or `none`;
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `..._HEADERS`,
 *   `..._TIMEOUT`, `..._COMPRESSION`: read by the OTLP exporter itself;
 * - `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`;
 * - `OTEL_TRACES_SAMPLER` (`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`
 *   (default), `parentbased_always_off`, `parentbased_traceidratio`) and `OTEL_TRACES_SAMPLER_ARG`;
 * - `OTEL_SDK_DISABLED=true` turns tracing off.
 */
import { context, trace, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { McpContextManager } from './context-manager.ts';

export interface OtelSdkOptions {
  /** service.name; when unset, OTEL_SERVICE_NAME, then `defaultServiceName`. */
  serviceName?: string;
  defaultServiceName: string;
  serviceVersion: string;
  env?: NodeJS.ProcessEnv;
}

export interface OtelSdk {
  tracer: Tracer;
  contextManager: McpContextManager;
  /** Exports what is pending and stops. */
  shutdown(): Promise<void>;
}

/** Thrown for an OTEL_* value this setup cannot honour. */
export class OtelConfigError extends Error {}

function ratio(env: NodeJS.ProcessEnv): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG;
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new OtelConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, not "${raw}"`);
  return value;
}

function samplerFromEnv(env: NodeJS.ProcessEnv): Sampler {
  const name = env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio(env));
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio(env)) });
    default:
      throw new OtelConfigError(`OTEL_TRACES_SAMPLER "${name}" is not supported; use always_on, always_off, traceidratio or a parentbased_ one`);
  }
}

async function processorsFromEnv(env: NodeJS.ProcessEnv): Promise<SpanProcessor[]> {
  const processors: SpanProcessor[] = [];
  for (const name of (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((part) => part.trim())) {
    if (name === 'none' || name === '') continue;
    if (name === 'console') {
      processors.push(new BatchSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    } else if (name === 'otlp') {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
    } else {
      throw new OtelConfigError(`OTEL_TRACES_EXPORTER "${name}" is not supported; use otlp, console or none`);
    }
  }
  return processors;
}

/** Attributes from OTEL_RESOURCE_ATTRIBUTES (`key=value,key=value`, values percent-encoded). */
function resourceAttributes(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      out[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new OtelConfigError(`OTEL_RESOURCE_ATTRIBUTES has a badly encoded value for ${pair.slice(0, at).trim()}`);
    }
  }
  return out;
}

/**
 * Registers a tracer provider and an McpContextManager globally, with exporters and sampler
 * from the environment.
 *
 * @example
 * const sdk = await startOtelSdk({ defaultServiceName: 'weather', serviceVersion: '1.0.0' });
 * const stop = traceRequests(sdk);
 * // on shutdown:
 * stop(); await sdk.shutdown();
 */
export async function startOtelSdk(options: OtelSdkOptions): Promise<OtelSdk> {
  const env = options.env ?? process.env;
  const resource = resourceFromAttributes({
    ...resourceAttributes(env),
    'service.name': options.serviceName ?? (env.OTEL_SERVICE_NAME || options.defaultServiceName),
    'service.version': options.serviceVersion,
  });
  const provider = new TracerProvider({ resource, sampler: samplerFromEnv(env), spanProcessors: await processorsFromEnv(env) });
  trace.setGlobalTracerProvider(provider);
  const contextManager = new McpContextManager();
  context.setGlobalContextManager(contextManager);
  return {
    tracer: provider.getTracer('mcp-core', options.serviceVersion),
    contextManager,
    shutdown: () => provider.shutdown(),
  };
}
