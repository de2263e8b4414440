import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { McpContextManager } from '../../src/observability/context-manager.ts';
import { reportRefusal } from '../../src/protocol/refusal-report.ts';
import { McpMetrics } from '../../src/observability/metrics.ts';
import { OtelConfigError, startOtelSdk } from '../../src/observability/otel-sdk.ts';
import { millisecondsText } from '../../src/observability/request-log.ts';
import { newTraceId, traceIdFromMeta } from '../../src/observability/trace-ids.ts';
import { McpServer } from '../../src/server/server.ts';
import { parseMetrics, valueOf } from '../helpers/prometheus.ts';
import { modern } from '../helpers/exchange.ts';

describe('metrics hooks', () => {
  it('counts refusals by reason, and reads added gauges at each scrape', async () => {
    const metrics = new McpMetrics({ processMetrics: false });
    let depth = 3;
    metrics.gauge('mcp_queue_depth', 'Calls waiting for a slot', () => depth);
    try {
      reportRefusal('rate_limited', 'tools/call');
      reportRefusal('rate_limited');
      reportRefusal('unauthenticated');
      reportRefusal('made up' as never);
      let samples = parseMetrics(await metrics.metrics());
      assert.equal(valueOf(samples, 'mcp_refusals_total', { reason: 'rate_limited' }), 2);
      assert.equal(valueOf(samples, 'mcp_refusals_total', { reason: 'unauthenticated' }), 1);
      assert.equal(valueOf(samples, 'mcp_refusals_total', { reason: 'other' }), 1);
      assert.equal(valueOf(samples, 'mcp_queue_depth'), 3);
      depth = 0;
      samples = parseMetrics(await metrics.metrics());
      assert.equal(valueOf(samples, 'mcp_queue_depth'), 0);
    } finally {
      metrics.close();
    }
  });

  it('stops counting when closed', async () => {
    const metrics = new McpMetrics({ processMetrics: false });
    const server = new McpServer({ name: 'm', version: '1' });
    await modern(server, 'tools/list');
    metrics.close();
    await modern(server, 'tools/list');
    reportRefusal('overloaded');
    const samples = parseMetrics(await metrics.metrics());
    assert.equal(valueOf(samples, 'mcp_requests_total', { method: 'tools/list' }), 1);
    assert.equal(valueOf(samples, 'mcp_refusals_total', { reason: 'overloaded' }), 0);
  });
});

describe('trace ids from _meta', () => {
  it('takes only a valid W3C traceparent', () => {
    assert.equal(traceIdFromMeta({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01' }), '0af7651916cd43dd8448eb211c80319c');
    for (const traceparent of [
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-0AF7651916CD43DD8448EB211C80319C-00f067aa0ba902b7-01',
      '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7',
      ` 00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01`,
      42,
      { toString: () => 'x' },
      null,
    ]) {
      assert.equal(traceIdFromMeta({ traceparent }), undefined, JSON.stringify(traceparent));
    }
    assert.equal(traceIdFromMeta(undefined), undefined);
    assert.equal(traceIdFromMeta([]), undefined);
  });
});

describe('request line fields', () => {
  it('writes a duration as JSON writes the number, from whole microseconds', () => {
    const samples = [...Array.from({ length: 30_000 }, (_, i) => i), 99_999, 100_000, 1_000_001, 123_456_789, 86_400_000_000, 2 ** 40 + 7];
    for (const us of samples) assert.equal(millisecondsText(us), JSON.stringify(us / 1000), String(us));
  });

  it('makes trace ids of 32 hex digits, distinct per counter', () => {
    const ids = ['1', '42', '1234567890', '9007199254740991'].map(newTraceId);
    for (const id of ids) assert.match(id, /^[\da-f]{32}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids[1].endsWith('0000000000000042'), ids[1]);
  });
});

describe('OpenTelemetry setup from OTEL_* variables', () => {
  it('refuses samplers, ratios and exporters it cannot honour, naming the variable', async () => {
    const base = { defaultServiceName: 's', serviceVersion: '1' };
    await assert.rejects(startOtelSdk({ ...base, env: { OTEL_TRACES_SAMPLER: 'sometimes' } }), (error: Error) => error instanceof OtelConfigError && /OTEL_TRACES_SAMPLER "sometimes"/.test(error.message));
    await assert.rejects(startOtelSdk({ ...base, env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' } }), /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1/);
    await assert.rejects(startOtelSdk({ ...base, env: { OTEL_TRACES_EXPORTER: 'zipkin' } }), /OTEL_TRACES_EXPORTER "zipkin" is not supported/);
  });
});

describe('McpContextManager', () => {
  it('runs a bound function in the context it was bound to, with its this and arguments; leaves other targets as they are', async () => {
    const manager = new McpContextManager();
    const key = createContextKey('k');
    const bound = ROOT_CONTEXT.setValue(key, 'bound');
    const other = ROOT_CONTEXT.setValue(key, 'other');
    const read = manager.bind(bound, function (this: { tag: string }, suffix: string) {
      return `${this.tag}:${manager.active().getValue(key)}:${suffix}`;
    });
    assert.equal(manager.with(other, () => read.call({ tag: 't' }, 's')), 't:bound:s');
    // Carried into what the function starts.
    const later = manager.bind(bound, () => new Promise((resolve) => setImmediate(() => resolve(manager.active().getValue(key)))));
    assert.equal(await manager.with(other, later), 'bound');
    const target = { not: 'a function' };
    assert.equal(manager.bind(bound, target), target);
    assert.equal(manager.active(), ROOT_CONTEXT);
    manager.disable();
    assert.equal(manager.with(bound, () => manager.active().getValue(key)), 'bound', 'run still works once disabled');
  });
});
