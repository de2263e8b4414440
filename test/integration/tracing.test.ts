/**
 * OpenTelemetry spans: a span tree exported to an in-memory exporter over real HTTP, parented
 * on `_meta.traceparent` in both eras, with the trace context written into the `_meta` of the
 * requests a tool handler sends upstream; what the spans of prompts, resources, a cancelled
 * request and a tool that throws say; and `mcp-core serve` exporting over OTLP/HTTP to a
 * receiver run by the test, set up by the standard OTEL_* variables.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { McpClient } from '../../src/client/client.ts';
import { traceRequests } from '../../src/observability/tracing.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp, type HttpListener } from '../../src/transport/http/node.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { callTool, MODERN_META, openSession, post } from '../helpers/http.ts';
import { startDemoHttp } from '../helpers/processes.ts';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

function byName(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  assert.equal(found.length, 1, `one span named ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return found[0];
}

function isChild(child: ReadableSpan, parent: ReadableSpan): boolean {
  return child.spanContext().traceId === parent.spanContext().traceId && child.parentSpanContext?.spanId === parent.spanContext().spanId;
}

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let stop: () => void;
  let upstream: HttpListener;
  let front: HttpListener;
  let client: McpClient;

  before(async () => {
    // The handler's own spans come from the global provider, as in an application.
    trace.setGlobalTracerProvider(provider);
    stop = traceRequests({ tracer: provider.getTracer('mcp-core-test') });
    const upstreamServer = new McpServer({ name: 'upstream', version: '1.0.0' });
    upstreamServer.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, ({ text }) => String(text));
    upstream = await serveHttp(upstreamServer, { port: 0 });
    client = new McpClient({ name: 'relay', version: '1.0.0' });
    await client.connect(new StreamableHttpClientTransport(upstream.url));

    const frontServer = new McpServer({ name: 'front', version: '1.0.0' });
    frontServer.tool('relay', {}, async () => {
      await trace.getTracer('app').startActiveSpan('app-work', async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        span.end();
      });
      return (await client.callTool('echo', { text: 'relayed' })).content;
    });
    frontServer.tool('broken', {}, () => {
      throw new Error('tool failed');
    });
    front = await serveHttp(frontServer, { port: 0 });
    exporter.reset();
  });

  after(async () => {
    stop();
    await client.close();
    await front.close();
    await upstream.close();
  });

  it('exports a span tree parented on the traceparent in _meta, through an upstream call', async () => {
    const answer = await callTool(front.url, 1, 'relay', {}, { traceparent: TRACEPARENT });
    assert.deepEqual(answer.json.result.content, [{ type: 'text', text: 'relayed' }]);
    const spans = exporter.getFinishedSpans();
    const request = byName(spans, 'tools/call relay');
    const tool = byName(spans, 'execute_tool relay');
    const own = byName(spans, 'app-work');
    const upstreamRequest = byName(spans, 'tools/call echo');
    const upstreamTool = byName(spans, 'execute_tool echo');

    assert.equal(request.kind, SpanKind.SERVER);
    assert.equal(request.spanContext().traceId, TRACE_ID);
    assert.equal(request.parentSpanContext?.spanId, PARENT_SPAN_ID);
    assert.equal(request.parentSpanContext?.isRemote, true);
    assert.deepEqual(
      { ...request.attributes },
      { 'mcp.method.name': 'tools/call', 'jsonrpc.request.id': '1', 'mcp.protocol.version': '2026-07-28', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'relay' },
    );
    assert.equal(tool.kind, SpanKind.INTERNAL);
    assert.ok(isChild(tool, request), 'the tool span is a child of the request span');
    assert.ok(isChild(own, tool), "the handler's own span is a child of the tool span");
    assert.ok(isChild(upstreamRequest, tool), 'the upstream request is a child of the tool span, through _meta.traceparent');
    assert.equal(upstreamRequest.parentSpanContext?.isRemote, true);
    assert.ok(isChild(upstreamTool, upstreamRequest));
    for (const span of [request, tool, upstreamRequest, upstreamTool]) assert.equal(span.status.code, SpanStatusCode.UNSET);
  });

  it("parents a request on its HTTP traceparent header when _meta has none (a mesh's, an instrumented HTTP client's); _meta wins over it", async () => {
    exporter.reset();
    const HEADER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
    const headers = { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'broken', traceparent: `00-${HEADER_TRACE_ID}-${PARENT_SPAN_ID}-01`, tracestate: 'mesh=1' };
    const call = (id: number, meta: Record<string, unknown>) => post(front.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'broken', arguments: {}, _meta: { ...MODERN_META, ...meta } } }, headers);
    await call(1, {});
    await call(2, { traceparent: TRACEPARENT });
    await post(front.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'broken', arguments: {}, _meta: MODERN_META } }, { ...headers, traceparent: `00-${'0'.repeat(32)}-${PARENT_SPAN_ID}-01` });
    const requests = exporter.getFinishedSpans().filter((span) => span.name === 'tools/call broken');
    const byId = (id: string) => requests.find((span) => span.attributes['jsonrpc.request.id'] === id)!;
    assert.equal(byId('1').spanContext().traceId, HEADER_TRACE_ID);
    assert.equal(byId('1').parentSpanContext?.spanId, PARENT_SPAN_ID);
    assert.equal(byId('1').parentSpanContext?.traceState?.get('mesh'), '1');
    assert.equal(byId('2').spanContext().traceId, TRACE_ID, "_meta's trace context wins");
    assert.ok(![HEADER_TRACE_ID, TRACE_ID].includes(byId('3').spanContext().traceId), 'an invalid header is no parent');
  });

  it('marks failures, and parents legacy requests on their _meta too', async () => {
    exporter.reset();
    await callTool(front.url, 2, 'broken', {});
    const unknown = await callTool(front.url, 3, 'missing', {});
    assert.equal(unknown.json.error.code, -32602);
    const sessionId = await openSession(front.url);
    await post(front.url, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: { traceparent: TRACEPARENT } } }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
    const spans = exporter.getFinishedSpans();

    const brokenRequest = byName(spans, 'tools/call broken');
    const brokenTool = byName(spans, 'execute_tool broken');
    assert.equal(brokenRequest.status.code, SpanStatusCode.ERROR);
    assert.equal(brokenRequest.attributes['error.type'], 'tool_error');
    assert.equal(brokenTool.status.code, SpanStatusCode.ERROR);
    assert.equal(brokenTool.events[0]?.name, 'exception');
    assert.ok(isChild(brokenTool, brokenRequest));
    assert.notEqual(brokenRequest.spanContext().traceId, TRACE_ID, 'no traceparent: a new trace');

    const missing = byName(spans, 'tools/call');
    assert.equal(missing.attributes['gen_ai.tool.name'], 'unknown');
    assert.equal(missing.attributes['rpc.response.status_code'], '-32602');
    assert.equal(missing.status.code, SpanStatusCode.ERROR);

    const legacy = byName(spans, 'tools/list');
    assert.equal(legacy.spanContext().traceId, TRACE_ID);
    assert.equal(legacy.parentSpanContext?.spanId, PARENT_SPAN_ID);
    assert.equal(legacy.attributes['mcp.protocol.version'], '2025-11-25');
  });
});

describe('tracing: what each span says', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  let stop: () => void;
  let front: HttpListener;

  before(async () => {
    stop = traceRequests({ tracer: provider.getTracer('mcp-core-test') });
    const server = new McpServer({ name: 'front', version: '1.0.0' });
    server.tool('throws_text', {}, () => {
      throw 'not an Error';
    });
    server.tool('wait', {}, (_args, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })));
    server.prompt('greet', { arguments: [{ name: 'who', required: true }] }, ({ who }) => `Hello ${who}`);
    server.resource('docs://guide', {}, () => 'the guide');
    front = await serveHttp(server, { port: 0 });
  });
  after(async () => {
    stop();
    await front.close();
  });

  const modern = (id: number, method: string, params: Record<string, unknown>, name: string) =>
    post(front.url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: MODERN_META } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, 'mcp-name': name });

  it('names prompt spans by a prompt the server has, keeps resource URIs out of span names, marks a cancelled request and a tool that throws what is no Error', async () => {
    exporter.reset();
    assert.equal((await modern(1, 'prompts/get', { name: 'greet', arguments: { who: 'Ada' } }, 'greet')).status, 200);
    await modern(2, 'prompts/get', { name: 'made-up', arguments: {} }, 'made-up');
    assert.equal((await modern(3, 'resources/read', { uri: 'docs://guide' }, 'docs://guide')).status, 200);
    const thrown = await callTool(front.url, 4, 'throws_text', {});
    assert.equal(thrown.json.result.isError, true);
    const controller = new AbortController();
    const cancelled = callTool(front.url, 5, 'wait', {}, {}, controller.signal).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    await cancelled;
    const spans = await (async () => {
      for (let i = 0; i < 100 && !exporter.getFinishedSpans().some((span) => span.name === 'tools/call wait'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      return exporter.getFinishedSpans();
    })();

    assert.equal(byName(spans, 'prompts/get greet').attributes['gen_ai.prompt.name'], 'greet');
    // A name the client made up is no span name: the spans' names stay a bounded set.
    assert.equal(byName(spans, 'prompts/get').attributes['gen_ai.prompt.name'], undefined);
    const read = byName(spans, 'resources/read');
    assert.equal(read.attributes['mcp.resource.uri'], 'docs://guide');
    const tool = byName(spans, 'execute_tool throws_text');
    assert.equal(tool.status.code, SpanStatusCode.ERROR);
    assert.equal(tool.attributes['error.type'], 'tool_error');
    assert.equal(tool.events[0]?.attributes?.['exception.message'], 'non-Error thrown');
    assert.equal(byName(spans, 'tools/call wait').attributes['error.type'], 'cancelled');
  });
});

describe('tracing in mcp-core serve', () => {
  it('exports spans over OTLP/HTTP as the OTEL_* variables say', async () => {
    const received: unknown[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') received.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const server = await startDemoHttp([], {
      MCP__TRACING__ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: 'traced-demo',
    });
    try {
      await callTool(server.url, 1, 'echo', { text: 'hi' }, { traceparent: TRACEPARENT });
    } finally {
      // Shutting down exports what the batch still holds.
      await server.stop();
      collector.close();
    }
    const spans = received.flatMap((body: any) =>
      body.resourceSpans.flatMap((rs: any) =>
        rs.scopeSpans.flatMap((ss: any) => ss.spans.map((span: any) => ({ ...span, service: rs.resource.attributes.find((a: any) => a.key === 'service.name')?.value.stringValue }))),
      ),
    );
    const request = spans.find((span) => span.name === 'tools/call echo');
    const tool = spans.find((span) => span.name === 'execute_tool echo');
    assert.ok(request, `request span exported: ${JSON.stringify(spans.map((s) => s.name))}`);
    assert.ok(tool);
    assert.equal(request.service, 'traced-demo');
    assert.equal(request.traceId, TRACE_ID);
    assert.equal(request.parentSpanId, PARENT_SPAN_ID);
    assert.equal(tool.parentSpanId, request.spanId);
  });
});
