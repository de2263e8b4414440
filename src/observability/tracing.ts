/**
 * OpenTelemetry spans from the diagnostics channels, following the OpenTelemetry semantic
 * conventions for MCP:
 * - one SERVER span per request (`mcp-core:dispatch`), named `{method} {target}` (e.g.
 *   `tools/call forecast`), whose parent is the `traceparent`/`tracestate` the client put in
 *   `_meta` (the MCP spec reserves those keys for W3C Trace Context, in both eras);
 * - one INTERNAL span per run of a tool handler (`mcp-core:tool`), `execute_tool {tool}`, a
 *   child of the request's span; it lasts as long as the handler, past the response when the
 *   call became a task;
 * - the trace context of the current span written into the `_meta` of the requests the
 *   client sends (`mcp-core:client:request`), so a gateway's upstream calls join the trace.
 *
 * Spans are made active for the handler's own code through an {@link McpContextManager}: its
 * storage is bound to the channels, so `trace.getActiveSpan()` inside a tool handler is the
 * tool's span. Without tracing on, nothing subscribes and nothing of this runs.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { clientRequestChannel, type ClientRequestMessage } from '../client/diagnostics.ts';
import { isObject } from '../protocol/guards.ts';
import { InputRequiredSignal } from '../server/context.ts';
import { dispatchChannel, toolChannel, whenSettled, type DispatchMessage, type ToolMessage } from '../server/diagnostics.ts';
import { McpContextManager } from './context-manager.ts';
import { errorCodeOf, methodLabel, toolLabel, UNKNOWN } from './request-facts.ts';
import { SPAN } from './trace-ids.ts';

export interface TracingOptions {
  /** Default: `trace.getTracer('mcp-core')` of the global tracer provider. */
  tracer?: Tracer;
  /**
   * Where spans become active. Default: a new McpContextManager, registered as the global
   * context manager unless one is registered already (then handlers' own spans are not
   * children of mcp-core's: register an McpContextManager yourself instead).
   */
  contextManager?: McpContextManager;
}

/** Client values become attributes only this long. */
const MAX_ATTRIBUTE_LENGTH = 512;

const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

/** Reads `_meta` as a carrier: only string values count (they come from the client). */
const metaGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = Object.hasOwn(carrier, key) ? carrier[key] : undefined;
    return typeof value === 'string' ? value : undefined;
  },
};

const metaSetter: TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

type Decorated = Record<symbol, Span | undefined>;

function clip(value: string): string {
  return value.length > MAX_ATTRIBUTE_LENGTH ? value.slice(0, MAX_ATTRIBUTE_LENGTH) : value;
}

/** The span name's target and the attributes of a request span. */
function describe(message: DispatchMessage): { name: string; attributes: Attributes } {
  const { server, request, exchange } = message;
  const method = methodLabel(server, request);
  const attributes: Attributes = { 'mcp.method.name': method, 'jsonrpc.request.id': clip(String(request.id)) };
  const version = exchange.session?.protocolVersion ?? (request.params?._meta as Record<string, unknown> | undefined)?.['io.modelcontextprotocol/protocolVersion'];
  if (typeof version === 'string') attributes['mcp.protocol.version'] = clip(version);
  let target: string | undefined;
  const params = request.params;
  if (request.method === 'tools/call') {
    const tool = toolLabel(server, request);
    attributes['gen_ai.operation.name'] = 'execute_tool';
    attributes['gen_ai.tool.name'] = tool;
    if (tool !== UNKNOWN) target = tool;
  } else if (request.method === 'prompts/get' && typeof params?.name === 'string' && server.core.prompts.get(params.name) !== undefined) {
    attributes['gen_ai.prompt.name'] = params.name;
    target = params.name;
  } else if (request.method === 'resources/read' && typeof params?.uri === 'string') {
    // A resource URI is high-cardinality: an attribute, never part of the span name.
    attributes['mcp.resource.uri'] = clip(params.uri);
  }
  return { name: target === undefined ? method : `${method} ${target}`, attributes };
}

function endRequestSpan(message: DispatchMessage): void {
  const span = (message as unknown as Decorated)[SPAN];
  if (span === undefined) return;
  const response = message.result;
  const code = errorCodeOf(response);
  if (message.error !== undefined) {
    span.recordException(message.error instanceof Error ? message.error : { message: 'non-Error thrown' });
    span.setStatus({ code: SpanStatusCode.ERROR });
  } else if (response === undefined) {
    span.setAttribute('error.type', 'cancelled');
  } else if (code !== undefined) {
    span.setAttributes({ 'rpc.response.status_code': String(code), 'error.type': String(code) });
    span.setStatus({ code: SpanStatusCode.ERROR, message: (response as { error: { message: string } }).error.message });
  } else if ((response as { result: Record<string, unknown> }).result.isError === true) {
    span.setAttribute('error.type', 'tool_error');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

function endToolSpan(message: ToolMessage): void {
  const span = (message as unknown as Decorated)[SPAN];
  if (span === undefined) return;
  const taskId = message.context.taskId;
  if (taskId !== undefined) span.setAttribute('mcp.task.id', taskId);
  const { error, result } = message;
  if (error instanceof InputRequiredSignal) {
    // Not a failure: the handler asked the client for input and runs again with the answer.
    span.setAttribute('mcp.input_required', true);
  } else if (error !== undefined) {
    span.recordException(error instanceof Error ? error : { message: 'non-Error thrown' });
    span.setAttribute('error.type', error instanceof Error ? error.name : 'tool_error');
    span.setStatus({ code: SpanStatusCode.ERROR });
  } else if (isObject(result) && result.isError === true) {
    span.setAttribute('error.type', 'tool_error');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Starts tracing requests, tool calls and outgoing client requests. Returns the way to stop.
 *
 * @example
 * import { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
 * const exporter = new InMemorySpanExporter();
 * const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
 * const stop = traceRequests({ tracer: provider.getTracer('mcp-core') });
 */
export function traceRequests(options: TracingOptions = {}): () => void {
  const tracer = options.tracer ?? trace.getTracer('mcp-core');
  let manager = options.contextManager;
  if (manager === undefined) {
    manager = new McpContextManager();
    if (!context.setGlobalContextManager(manager)) {
      process.emitWarning('Another OpenTelemetry context manager is registered: spans of tool handlers\' own work will not be children of mcp-core\'s spans. Register an McpContextManager instead.', { code: 'MCP_TRACING_CONTEXT' });
    }
  }
  const storage = manager.storage;
  const current = (): Context => storage.getStore() ?? context.active();

  const startRequest = (message: DispatchMessage): Context => {
    const meta = message.request.params?._meta;
    const parent = isObject(meta) ? propagator.extract(current(), meta, metaGetter) : current();
    const { name, attributes } = describe(message);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    (message as unknown as Decorated)[SPAN] = span;
    return trace.setSpan(parent, span);
  };
  const startTool = (message: ToolMessage): Context => {
    const parent = current();
    const name = message.tool.name;
    const span = tracer.startSpan(`execute_tool ${name}`, { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name } }, parent);
    (message as unknown as Decorated)[SPAN] = span;
    return trace.setSpan(parent, span);
  };
  const requests = whenSettled(endRequestSpan);
  const tools = whenSettled(endToolSpan);
  const inject = (message: unknown) => propagator.inject(current(), (message as ClientRequestMessage).meta, metaSetter);

  dispatchChannel.start.bindStore(storage, startRequest);
  dispatchChannel.subscribe(requests);
  toolChannel.start.bindStore(storage, startTool);
  toolChannel.subscribe(tools);
  clientRequestChannel.subscribe(inject);
  return () => {
    dispatchChannel.unsubscribe(requests);
    dispatchChannel.start.unbindStore(storage);
    toolChannel.unsubscribe(tools);
    toolChannel.start.unbindStore(storage);
    clientRequestChannel.unsubscribe(inject);
  };
}

export { McpContextManager };
