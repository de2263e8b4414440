/**
 * A caller that stops reading while its call's upstream floods progress or log messages: a real
 * gateway process in front of test/fixtures/hostile-upstream.ts (whose `flood_progress` and
 * `flood_logs` write notifications as fast as the gateway reads them) and the well-behaved
 * fixture. The gateway must go on reading the upstream's pipe (its other calls come on it), so
 * what it cannot write to the stuck caller must not pile up: its memory stays bounded, its
 * other callers and the upstream's are served meanwhile, and once the caller reads again it
 * gets its answer (with the latest progress, or the first log messages and a count of the rest).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { textOf } from '../helpers/gateway.ts';
import { startGateway, stopGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { MODERN_META, openSession } from '../helpers/http.ts';
import { checkFloodLogs } from '../helpers/log-flood.ts';
import { SseReader } from '../helpers/sse-reader.ts';

const MIB = 1024 * 1024;
/** 50,000 notifications of 4 KiB: 195 MiB for a caller that reads none of it. */
const COUNT = 50_000;
const SIZE = 4096;
/** Was: the gateway's resident set grew by 350 to 500 MiB for progress, about twice the flood, and 300 to 430 MiB for logs. */
const MAX_GROWTH = 100 * MIB;

/** A caller whose flood call was sent and who reads nothing of its answer until `readAll`. */
interface StuckCaller {
  /** Reads again: the messages of the call's answer up to its response. */
  readAll(): Promise<any[]>;
}

/** What the upstream floods the call with: progress, or log messages (which the caller asks for). */
type Kind = 'progress' | 'logs';

/** The flood call, and its `_meta` in each era: a progress token, or the caller's log level. */
function floodCall(kind: Kind, era: 'legacy' | 'modern') {
  const asked = kind === 'progress' ? { progressToken: 'flood' } : era === 'modern' ? { 'io.modelcontextprotocol/logLevel': 'info' } : {};
  return { name: `hostile__flood_${kind}`, arguments: { count: COUNT, size: SIZE }, _meta: era === 'modern' ? { ...MODERN_META, ...asked } : asked };
}

/** A legacy caller's log level: `logging/setLevel`, so that the upstream's log messages are its. */
const SET_LEVEL = { jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'info' } };

/** Over HTTP: the response stream (SSE) of the call is left unread. */
async function stuckOverHttp(url: string, era: 'legacy' | 'modern', kind: Kind): Promise<StuckCaller> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const call = floodCall(kind, era);
  if (era === 'legacy') {
    Object.assign(headers, { 'mcp-session-id': await openSession(url), 'mcp-protocol-version': '2025-11-25' });
    if (kind === 'logs') assert.equal((await fetch(url, { method: 'POST', headers, body: JSON.stringify(SET_LEVEL) })).status, 200);
  } else {
    Object.assign(headers, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': call.name });
  }
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: call }) });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  // The body is not read: the client's buffers fill, then the connection's, then the gateway's.
  return { readAll: () => new SseReader(response).rest() };
}

/** Over the gateway's stdio: its stdout is left unread. */
async function stuckOverStdio(gateway: ChildProcess, era: 'legacy' | 'modern', kind: Kind): Promise<StuckCaller> {
  const lines = createInterface({ input: gateway.stdout! });
  let messages: any[] = [];
  const answers = new Map<number, (messages: any[]) => void>();
  lines.on('line', (line) => {
    const message = JSON.parse(line);
    messages.push(message);
    const answered = message.method === undefined ? answers.get(message.id) : undefined;
    if (answered === undefined) return;
    answered(messages);
    messages = [];
  });
  /** The messages up to the response to request `id`. */
  const answerTo = (id: number) => new Promise<any[]>((resolve) => answers.set(id, resolve));
  const send = (message: unknown) => gateway.stdin!.write(`${JSON.stringify(message)}\n`);
  if (era === 'legacy') {
    const initialized = answerTo(0);
    send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'stuck', version: '1.0.0' } } });
    await initialized;
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (kind === 'logs') {
      const set = answerTo(SET_LEVEL.id);
      send(SET_LEVEL);
      await set;
    }
  }
  lines.pause();
  const answered = answerTo(1);
  send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: floodCall(kind, era) });
  return {
    readAll: () => {
      lines.resume();
      return answered;
    },
  };
}

/**
 * While the upstream floods, other callers call the fixture and the same upstream, back to
 * back, until the upstream says it wrote every notification (its answer follows them on the
 * pipe, so the gateway has read them all). The gateway's memory is checked after each round,
 * so a gateway that keeps what it cannot write fails as soon as it is past the bound. Returns
 * how many calls the others made meanwhile, and the peak growth of the gateway's resident set.
 */
async function serveOthersUntilFlooded(gateway: GatewayProcess): Promise<{ calls: number; growth: number }> {
  const before = await gateway.memory();
  const other = new McpClient({ name: 'other', version: '1.0.0' });
  await other.connect(new StreamableHttpClientTransport(gateway.url));
  // A bound on the test's duration, far beyond what the flood takes (a second or two).
  const deadline = Date.now() + 90_000;
  try {
    let calls = 0;
    let growth = 0;
    for (let sent = 0; sent < COUNT; calls += 2) {
      assert.equal(textOf(await other.callTool('good__echo', { text: `call ${calls}` })), `call ${calls}`);
      sent = Number(textOf(await other.callTool('hostile__flood_sent', {})));
      growth = (await gateway.memory()).peak - before.rss;
      assert.ok(growth < MAX_GROWTH, `the gateway's resident set grew by ${Math.round(growth / MIB)} MiB when the upstream had sent ${sent} notifications`);
      assert.ok(Date.now() < deadline, `the upstream sent ${sent} of ${COUNT} notifications in 90 s`);
    }
    return { calls, growth };
  } finally {
    await other.close();
  }
}

/** What the stuck caller finally read: progress that only went up, then the call's result. */
function checkProgress(messages: any[]): number {
  const progress = messages.map((message) => {
    assert.equal(message.method, 'notifications/progress');
    assert.equal(message.params.progressToken, 'flood');
    return message.params.progress as number;
  });
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i] > progress[i - 1], `progress went from ${progress[i - 1]} to ${progress[i]}`);
  // The caller had the first ones before it stopped reading, and the rest held back.
  assert.ok(progress.length > 0 && progress.length < COUNT, `${progress.length} progress notifications`);
  return progress.length;
}

/** Checks the answer the stuck caller read; returns how many of the flood's notifications it had. */
function checkAnswer(kind: Kind, messages: any[]): number {
  const response = messages.at(-1);
  assert.equal(textOf(response.result), `flooded ${COUNT}`);
  return kind === 'progress' ? checkProgress(messages.slice(0, -1)) : checkFloodLogs(messages.slice(0, -1), COUNT, 'flood');
}

/** Runs one case: the stuck caller over `transport` in `era`, flooded with `kind`. */
async function floodStuckCaller(t: TestContext, kind: Kind, transport: 'http' | 'stdio', era: 'legacy' | 'modern'): Promise<void> {
  const gateway = await startGateway(transport === 'stdio');
  try {
    // Warm: every part the flood goes through has run once before the baseline.
    const warm = new McpClient({ name: 'warm', version: '1.0.0' });
    await warm.connect(new StreamableHttpClientTransport(gateway.url));
    await warm.callTool(`hostile__flood_${kind}`, { count: 100, size: SIZE }, { onProgress: () => {} });
    await warm.close();

    const stuck = transport === 'http' ? await stuckOverHttp(gateway.url, era, kind) : await stuckOverStdio(gateway.process, era, kind);
    const { calls, growth } = await serveOthersUntilFlooded(gateway);
    const received = checkAnswer(kind, await stuck.readAll());
    t.diagnostic(`${transport} ${era}: RSS +${Math.round(growth / MIB)} MiB for ${Math.round((COUNT * SIZE) / MIB)} MiB of ${kind}; ${calls} other calls served meanwhile; the caller got ${received} of ${COUNT} notifications`);
  } finally {
    await stopGateway(gateway);
  }
}

const CASES = [['http', 'legacy'], ['http', 'modern'], ['stdio', 'legacy'], ['stdio', 'modern']] as const;

describe('a caller that stops reading while the upstream floods progress', { timeout: 300_000 }, () => {
  for (const [transport, era] of CASES) {
    it(`over ${transport}, ${era} era: the gateway's memory stays bounded and everyone else is served`, { timeout: 120_000 }, (t) => floodStuckCaller(t, 'progress', transport, era));
  }
});

describe('regression: a caller that stops reading while the upstream floods log messages', { timeout: 300_000 }, () => {
  for (const [transport, era] of CASES) {
    it(`over ${transport}, ${era} era: the gateway's memory stays bounded, everyone else is served, and the caller is told how many were dropped`, { timeout: 120_000 }, (t) => floodStuckCaller(t, 'logs', transport, era));
  }
});
