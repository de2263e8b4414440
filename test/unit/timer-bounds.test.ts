/**
 * Durations given in code (not through the config, whose schema bounds them) against the
 * longest delay a Node timer holds (2^31 - 1 ms): setTimeout fires a longer one after 1 ms.
 * Each option either refuses a longer value at construction, naming itself, or takes it for
 * "never" and arms no timer (protocol/timer-limit.ts). Real processes where an upstream is one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { McpManager } from '../../src/manager/manager.ts';
import { parseManagerConfig } from '../../src/manager/config.ts';
import { Health } from '../../src/observability/health.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import type { JsonRpcRequest } from '../../src/protocol/jsonrpc.ts';
import { checkTimerMs, MAX_TIMER_MS, timerHolds } from '../../src/protocol/timer-limit.ts';
import { IntrospectionVerifier } from '../../src/security/introspection.ts';
import { JwtVerifier } from '../../src/security/jwt-verifier.ts';
import { watchTlsFiles } from '../../src/security/tls.ts';
import { LegacySession } from '../../src/store/legacy-session.ts';
import { RedisConnection } from '../../src/store/redis/connection.ts';
import { McpServer } from '../../src/server/server.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';
import { WebSocketEndpoint } from '../../src/transport/websocket/endpoint.ts';
import { CLI } from '../helpers/processes.ts';

const LONG = [MAX_TIMER_MS + 1, 1e12, Number.POSITIVE_INFINITY];

/** The refusal `make` throws for `option` set to `value`. */
function refused(option: string, value: number): RegExp {
  return new RegExp(`^${option.replace(/\./g, '\\.')} is ${value} ms, longer than a timer holds \\(at most 2147483647 ms, about 24\\.8 days\\)$`);
}

describe('timer-limit', () => {
  it('checkTimerMs refuses past the bound (and what is no number), naming the option, the value and the bound', () => {
    for (const ms of [undefined, 0, 1, MAX_TIMER_MS]) checkTimerMs('someMs', ms);
    for (const ms of [...LONG, Number.NaN]) assert.throws(() => checkTimerMs('someMs', ms), (error: unknown) => error instanceof RangeError && refused('someMs', ms).test(error.message));
  });

  it('timerHolds says which timeouts are armed', () => {
    assert.deepEqual([0, 1, MAX_TIMER_MS].map(timerHolds), [true, true, true]);
    assert.deepEqual(LONG.map(timerHolds), [false, false, false]);
  });
});

describe('regression: options that refuse a duration a timer cannot hold, at construction (each fired at once, or later threw from inside a timer)', () => {
  const cases: Array<[string, (ms: number) => unknown]> = [
    ['shutdownGraceMs', (ms) => new StdioClientTransport({ command: process.execPath, args: ['-e', 'setTimeout(() => {}, 60000)'], shutdownGraceMs: ms })],
    ['retry.maxDelayMs', (ms) => new McpClient({ name: 'c', version: '1', retry: { maxDelayMs: ms } })],
    ['retry.minDelayMs', (ms) => new McpClient({ name: 'c', version: '1', retry: { minDelayMs: ms } })],
    ['listenWaitMs', (ms) => new StreamableHttpClientTransport('http://127.0.0.1:1/mcp', { listenWaitMs: ms })],
    ['pingIntervalMs', (ms) => new WebSocketClientTransport('ws://127.0.0.1:1/mcp', { pingIntervalMs: ms })],
    ['handshakeTimeoutMs', (ms) => new WebSocketClientTransport('ws://127.0.0.1:1/mcp', { handshakeTimeoutMs: ms })],
    ['pingIntervalMs', (ms) => new WebSocketEndpoint(new McpServer({ name: 's', version: '1' }), { pingIntervalMs: ms })],
    ['checkTimeoutMs', (ms) => new Health({ version: '1', connectedClients: () => 0, toolsAvailable: () => 0, checkTimeoutMs: ms })],
    ['jwksTimeoutMs', (ms) => new JwtVerifier({ jwksUrl: 'https://as.example/jwks', issuer: 'https://as.example', audience: 'https://mcp.example/mcp', jwksTimeoutMs: ms })],
    ['timeoutMs', (ms) => new IntrospectionVerifier({ endpoint: 'https://as.example/introspect', clientId: 'c', clientSecret: 's', audience: 'https://mcp.example/mcp', timeoutMs: ms })],
    ['leaseMs', (ms) => new RedisConnection({ url: 'redis://127.0.0.1:1', leaseMs: ms })],
    ['commandTimeoutMs', (ms) => new RedisConnection({ url: 'redis://127.0.0.1:1', commandTimeoutMs: ms })],
    ['intervalMs', (ms) => watchTlsFiles({ certFile: 'cert.pem', keyFile: 'key.pem' }, new Map(), { intervalMs: ms, apply: () => undefined, report: () => undefined })],
  ];
  for (const [option, make] of cases) {
    it(`${option} (${make.toString().match(/new (\w+)|(\w+)\(/)?.slice(1).find(Boolean)})`, () => {
      for (const ms of LONG) assert.throws(() => make(ms), (error: unknown) => error instanceof RangeError && refused(option, ms).test(error.message), `${option} ${ms}`);
    });
  }

  it('serveHttp: headersTimeoutMs, requestTimeoutMs and keepAliveTimeoutMs before it listens, close(graceMs) before it closes anything', async () => {
    const server = new McpServer({ name: 's', version: '1' });
    for (const option of ['headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs'] as const) {
      await assert.rejects(serveHttp(server, { [option]: 1e12 }), (error: unknown) => error instanceof RangeError && refused(option, 1e12).test(error.message));
    }
    const listener = await serveHttp(server, { keepAliveTimeoutMs: MAX_TIMER_MS });
    await assert.rejects(listener.close(Number.POSITIVE_INFINITY), (error: unknown) => error instanceof RangeError && refused('graceMs', Number.POSITIVE_INFINITY).test(error.message));
    assert.equal(listener.server.listening, true);
    await listener.close();
  });

  it('McpManager given a spec in code: an upstream\'s reconnect delays', () => {
    for (const key of ['initialDelayMs', 'maxDelayMs'] as const) {
      const spec = parseManagerConfig({ mcpServers: { demo: { command: process.execPath, args: [CLI, 'serve', '--stdio', '--demo'] } } });
      spec.upstreams[0].reconnect[key] = 1e12;
      assert.throws(() => new McpManager(spec), (error: unknown) => error instanceof RangeError && refused(`Upstream demo: reconnect.${key}`, 1e12).test(error.message));
    }
  });
});

describe('regression: timeouts past what a timer holds are "never" (setTimeout fired them after 1 ms)', () => {
  it('a legacy session\'s request to its client (McpServer clientRequestTimeoutMs) waits for the answer', async () => {
    for (const timeoutMs of LONG) {
      const session = new LegacySession('s', '2025-11-25');
      const sent: Array<{ id: string | number }> = [];
      let settled = false;
      const answered = session.request((message) => sent.push(message as JsonRpcRequest), 'roots/list', {}, { timeoutMs }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(settled, false, `timeoutMs ${timeoutMs}: the request ended before its answer`);
      session.settle({ jsonrpc: '2.0', id: sent[0].id, result: { roots: [] } });
      assert.deepEqual(await answered, { roots: [] });
    }
  });

  it('McpManager given a spec in code: connectTimeoutMs, timeoutMs and inputTimeoutMs of 1e12 or Infinity, against a real stdio upstream', { timeout: 60_000 }, async () => {
    for (const ms of [1e12, Number.POSITIVE_INFINITY]) {
      const spec = parseManagerConfig({ mcpServers: { demo: { command: process.execPath, args: [CLI, 'serve', '--stdio', '--demo'] } } });
      Object.assign(spec.upstreams[0], { connectTimeoutMs: ms, timeoutMs: ms, maxTotalTimeoutMs: ms });
      spec.gateway.inputTimeoutMs = ms;
      const manager = new McpManager(spec);
      try {
        // The handshake was cut after 1 ms: the upstream stayed down, and demo__echo was an unknown tool.
        await manager.start();
        const [health] = manager.health().upstreams;
        assert.equal(health.state, 'connected', JSON.stringify(health.lastError));
        const result = await manager.callTool('demo__echo', { text: `under ${ms}` });
        assert.equal(result.isError, undefined, JSON.stringify(result));
        assert.equal((result.content[0] as { text: string }).text, `under ${ms}`);
      } finally {
        await manager.close();
      }
    }
  });
});

describe('a request\'s own retry policy', () => {
  it('is refused when a timer cannot hold its delays, as the client\'s is', { timeout: 60_000 }, async () => {
    const client = new McpClient({ name: 'c', version: '1' });
    try {
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--stdio', '--demo'], stderr: 'ignore' }));
      for (const option of ['minDelayMs', 'maxDelayMs'] as const) {
        await assert.rejects(client.callTool('echo', { text: 'x' }, { retry: { [option]: 1e12 } }), (error: unknown) => error instanceof RangeError && refused(`retry.${option}`, 1e12).test(error.message));
      }
      assert.deepEqual((await client.callTool('echo', { text: 'x' }, { retry: { maxDelayMs: 100 } })).content, [{ type: 'text', text: 'x' }]);
    } finally {
      await client.close();
    }
  });
});

describe('timeouts that already armed no timer past the bound', () => {
  it('McpClient requestTimeoutMs of 1e12 or Infinity times nothing out at once', { timeout: 60_000 }, async () => {
    for (const requestTimeoutMs of [1e12, Number.POSITIVE_INFINITY]) {
      const client = new McpClient({ name: 'c', version: '1', requestTimeoutMs, probeTimeoutMs: requestTimeoutMs });
      try {
        await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--stdio', '--demo'], stderr: 'ignore' }));
        const result = await client.callTool('echo', { text: 'x' });
        assert.equal((result.content[0] as { text: string }).text, 'x');
      } catch (error) {
        assert.fail(error instanceof McpLocalError && error.code === LocalErrorCode.Timeout ? `timed out at once: ${error.message}` : String(error));
      } finally {
        await client.close();
      }
    }
  });
});
