/**
 * Structured logs: the lines `mcp-core serve` writes at `info` are JSON with a request id and
 * a trace id (the client's, from `_meta.traceparent`, when it sent one), and every line written
 * while a request is served carries them, notices included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createLogger, flushLogs, logErrors, logMixin } from '../../src/observability/logger.ts';
import { logRequests } from '../../src/observability/request-log.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { MODERN_META, callTool, openSession, post } from '../helpers/http.ts';
import { ROOT, startDemoHttp } from '../helpers/processes.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const HEADER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A stream that keeps what is written to it. */
function capture(): { stream: PassThrough; out: { text: string } } {
  const stream = new PassThrough();
  const out = { text: '' };
  stream.on('data', (chunk) => (out.text += chunk));
  return { stream, out };
}

function jsonLines(text: string): Array<Record<string, any>> {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

describe('structured logs', () => {
  it('mcp-core serve writes one JSON line per request with its request id and trace id', async () => {
    const server = await startDemoHttp([], { MCP__LOGGING__LEVEL: 'info' });
    try {
      await callTool(server.url, 1, 'echo', { text: 'traced' }, { traceparent: TRACEPARENT });
      await callTool(server.url, 2, 'echo', { text: 'untraced' });
      await callTool(server.url, 3, 'fail', {});
      const sessionId = await openSession(server.url);
      await post(server.url, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: { traceparent: TRACEPARENT } } }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' });
      // A trace context in the HTTP request's headers (a mesh's) when _meta has none.
      await post(server.url, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25', traceparent: `00-${HEADER_TRACE_ID}-00f067aa0ba902b7-01` });
    } finally {
      await server.stop();
    }
    const lines = jsonLines(server.stderr());
    const requests = lines.filter((line) => line.msg === 'request');
    assert.deepEqual(
      requests.map((line) => [line.method, line.tool, line.era, line.outcome, line.id]),
      [
        ['tools/call', 'echo', 'modern', 'ok', 1],
        ['tools/call', 'echo', 'modern', 'ok', 2],
        ['tools/call', 'fail', 'modern', 'tool_error', 3],
        ['initialize', undefined, 'legacy', 'ok', 0],
        ['tools/list', undefined, 'legacy', 'ok', 4],
        ['tools/list', undefined, 'legacy', 'ok', 5],
      ],
    );
    for (const line of requests) {
      assert.equal(line.level, 30);
      assert.match(line.requestId, /^[0-9a-z]+-[0-9a-z]+$/);
      assert.match(line.traceId, /^[0-9a-f]{32}$/);
      assert.equal(typeof line.durationMs, 'number');
    }
    assert.equal(new Set(requests.map((line) => line.requestId)).size, requests.length, 'request ids are unique');
    assert.equal(requests[0].traceId, TRACE_ID, 'the trace id the client sent (modern)');
    assert.equal(requests[4].traceId, TRACE_ID, 'the trace id the client sent (legacy)');
    assert.equal(requests[5].traceId, HEADER_TRACE_ID, "the trace id of the request's traceparent header");
    assert.notEqual(requests[1].traceId, TRACE_ID);
    assert.notEqual(requests[1].traceId, requests[2].traceId);
  });

  it('gives the lines written while a request is served its ids, notices included', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk) => (text += chunk));
    const logger = createLogger({ level: 'info', destination: out });
    const stopRequests = logRequests(logger);
    const stopErrors = logErrors(logger);
    const server = new McpServer({ name: 'logs', version: '1.0.0' });
    const later = Promise.withResolvers<void>();
    server.tool('chatty', {}, async () => {
      logger.warn({ step: 1 }, 'inside the handler');
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.warn({ step: 2 }, 'after an await');
      // Work the request leaves running: the request has let go of what it held, not its ids.
      setTimeout(() => (logger.warn({ step: 3 }, 'after the answer'), later.resolve()), 20);
      return 'ok';
    });
    server.resource('res://broken', {}, () => {
      throw new TypeError('secret detail');
    });
    const listener = await serveHttp(server, { port: 0 });
    try {
      await callTool(listener.url, 1, 'chatty', {}, { traceparent: TRACEPARENT });
      await later.promise;
      await post(listener.url, { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'res://broken', _meta: MODERN_META } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'resources/read', 'mcp-name': 'res://broken' });
      logger.warn('outside any request');
    } finally {
      stopRequests();
      stopErrors();
      await listener.close();
    }
    const lines = jsonLines(text);
    const [first, second, chattyDone, afterwards, failure, brokenDone, outside] = lines;
    assert.deepEqual([first.msg, second.msg, chattyDone.msg, afterwards.msg, failure.msg, brokenDone.msg, outside.msg], ['inside the handler', 'after an await', 'request', 'after the answer', 'unexpected error', 'request', 'outside any request']);
    for (const line of [first, second, chattyDone, afterwards]) {
      assert.equal(line.requestId, chattyDone.requestId);
      assert.equal(line.traceId, TRACE_ID);
    }
    // One line's own fields do not leak into the next lines of the same request.
    assert.deepEqual([first.step, second.step, chattyDone.step], [1, 2, undefined]);
    assert.equal(outside.step, undefined);
    assert.equal(failure.requestId, brokenDone.requestId);
    assert.equal(failure.traceId, brokenDone.traceId);
    assert.equal(failure.level, 50);
    assert.equal(failure.method, 'resources/read');
    assert.equal(failure.err.message, 'secret detail');
    assert.equal(brokenDone.outcome, 'error');
    assert.equal(brokenDone.code, -32603);
    assert.notEqual(chattyDone.requestId, brokenDone.requestId);
    assert.equal(outside.requestId, undefined);
    assert.equal(outside.traceId, undefined);
  });

  it('writes the request line exactly as pino would, and through any pino logger with logMixin', async () => {
    const ours = capture();
    const theirs = capture();
    const stops = [
      logRequests(createLogger({ level: 'info', destination: ours.stream })),
      logRequests(pino({ level: 'info', mixin: logMixin, base: { pid: process.pid } }, theirs.stream)),
    ];
    const server = new McpServer({ name: 'logs', version: '1.0.0' });
    server.tool('echo', {}, () => 'ok');
    const listener = await serveHttp(server, { port: 0 });
    try {
      await callTool(listener.url, 'a"b\\c\u2028', 'echo', {}, { traceparent: TRACEPARENT });
      await callTool(listener.url, 7, 'nope', {});
    } finally {
      for (const stop of stops) stop();
      await listener.close();
    }
    const mine = jsonLines(ours.out.text);
    const pinos = jsonLines(theirs.out.text);
    assert.equal(mine.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(Object.keys(mine[i]), Object.keys(pinos[i]), 'same fields in the same order');
      assert.deepEqual({ ...mine[i], time: 0 }, { ...pinos[i], time: 0 });
    }
    assert.equal(mine[0].id, 'a"b\\c\u2028');
    assert.equal(mine[1].code, -32602);
  });
});

describe('request lines on a file descriptor (made late, in batches)', () => {
  it('are made as pino would write them, in the order of the lines around them, a burst larger than the table of waiting lines included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-core-request-lines-'));
    const path = join(dir, 'log');
    const fd = openSync(path, 'w');
    const logger = createLogger({ level: 'info', destination: fd });
    const theirs = capture();
    const stops = [logRequests(logger), logRequests(pino({ level: 'info', mixin: logMixin, base: { pid: process.pid } }, theirs.stream))];
    const server = new McpServer({ name: 'logs', version: '1.0.0' });
    server.tool('echo', {}, () => 'ok');
    const listener = await serveHttp(server, { port: 0 });
    const BURST = 300;
    try {
      await callTool(listener.url, 'a"b\\c\u2028', 'echo', {}, { traceparent: TRACEPARENT });
      await callTool(listener.url, 7, 'nope', {});
      await callTool(listener.url, 'x'.repeat(100_000), 'echo', {});
      // A line of pino's: the request lines waiting are written before it.
      logger.info('between');
      await Promise.all(Array.from({ length: BURST }, (_, i) => callTool(listener.url, 100 + i, 'echo', {})));
      logger.info('after');
    } finally {
      for (const stop of stops) stop();
      await listener.close();
      flushLogs(logger);
      closeSync(fd);
    }
    const mine = jsonLines(readFileSync(path, 'utf8'));
    rmSync(dir, { recursive: true, force: true });
    const pinos = jsonLines(theirs.out.text);
    assert.equal(mine.length, BURST + 5);
    assert.deepEqual([mine[0].id, mine[1].id, mine[2].id, mine[3].msg, mine.at(-1)!.msg], ['a"b\\c\u2028', 7, `${'x'.repeat(128)}...`, 'between', 'after']);
    // Every request line of the burst, once each, and the same as pino's.
    const burst = mine.slice(4, -1);
    assert.deepEqual(burst.map((line) => line.id).sort((a, b) => a - b), Array.from({ length: BURST }, (_, i) => 100 + i));
    const theirsByRequest = new Map(pinos.map((line) => [line.requestId, line]));
    for (const line of [...mine.slice(0, 3), ...burst]) {
      const pinoLine = theirsByRequest.get(line.requestId);
      assert.deepEqual(Object.keys(line), Object.keys(pinoLine!), 'same fields in the same order');
      assert.deepEqual({ ...line, time: 0 }, { ...pinoLine, time: 0 });
    }
    assert.equal(mine[0].traceId, TRACE_ID);
    assert.equal(mine[1].code, -32602);
  });
});

/** Runs test/fixtures/log-lines.ts; resolves with its stderr once `until` holds or it exits. */
function logLines(count: number, how: 'exit' | 'throw' | 'throw-full' | 'stay' | 'kill', until?: (stderr: string) => boolean, readAfterMs = 0): Promise<{ stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [join(ROOT, 'test/fixtures/log-lines.ts'), String(count), how], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (until?.(stderr)) child.stdin.end();
    });
    // A reader that lags: nothing is read for a while, so the pipe fills up.
    if (readAfterMs > 0) {
      child.stderr.pause();
      setTimeout(() => child.stderr.resume(), readAfterMs);
    }
    child.once('close', (code) => resolve({ stderr, code }));
  });
}

/** The JSON lines a log-lines run wrote, checked whole, in order, in pino's format. */
function checkLines(stderr: string, count: number): void {
  const lines = stderr.split('\n').filter((line) => line.startsWith('{'));
  assert.equal(lines.length, count, 'every line, none lost');
  lines.forEach((text, n) => {
    const line = JSON.parse(text);
    assert.deepEqual(Object.keys(line), ['level', 'time', 'pid', 'n', 'pad', 'msg']);
    assert.deepEqual([line.level, line.n, line.pad, line.msg], [30, n, 'x'.repeat(n % 300), 'line']);
  });
}

describe('log lines on a file descriptor (written in batches)', () => {
  const COUNT = 3000; // about 500 KB: many batches

  it('are all written, whole and in order, when the process exits at once with lines held', async () => {
    const { stderr, code } = await logLines(COUNT, 'exit');
    assert.equal(code, 0);
    checkLines(stderr, COUNT);
  });

  it('are all written when an uncaught exception ends the process', async () => {
    const { stderr, code } = await logLines(COUNT, 'throw');
    assert.equal(code, 1);
    assert.match(stderr, /fatal after logging/);
    checkLines(stderr, COUNT);
  });

  it('the error of an uncaught exception is not lost on a full pipe', async () => {
    // stderr's descriptor is non-blocking once process.stderr exists: Node's print of the error
    // failed on the full pipe and was lost (held log lines, written at exit, wait for room: with
    // none held, nothing waited).
    const { stderr, code } = await logLines(0, 'throw-full', undefined, 300);
    assert.equal(code, 1);
    assert.match(stderr, /fatal on a full pipe/);
  });

  it('of level warn are written at once, with the lines held before them: a process killed right after loses none', async () => {
    const { stderr } = await logLines(3, 'kill');
    const lines = stderr.split('\n').filter((line) => line.startsWith('{'));
    assert.equal(lines.length, 4, stderr);
    checkLines(lines.slice(0, 3).join('\n'), 3);
    const last = JSON.parse(lines[3]);
    assert.deepEqual([last.level, last.msg], [40, 'killed now']);
  });

  it('leave by their timer while the process runs: a few held lines are not kept waiting for more', async () => {
    const { stderr, code } = await logLines(3, 'stay', (text) => text.split('\n').filter((line) => line.startsWith('{')).length === 3);
    assert.equal(code, 0);
    checkLines(stderr, 3);
  });
});

describe('log lines of --workers on one shared stderr pipe', () => {
  it('never split one another: read slowly, so that both workers write to a full pipe', async () => {
    const COUNT = 3000; // about 500 KB per worker, many times the pipe's 64 KiB
    const child = spawn(process.execPath, [join(ROOT, 'test/fixtures/log-lines-workers.ts'), String(COUNT)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
      // A slow reader: the pipe fills while the workers write.
      child.stderr.pause();
      setTimeout(() => child.stderr.resume(), 20);
    });
    const code = await new Promise((resolve) => child.once('close', resolve));
    assert.equal(code, 0);
    const byWorker = new Map<number, number[]>();
    for (const text of stderr.split('\n')) {
      if (text === '') continue;
      const line = JSON.parse(text); // a line split by another worker's write is not JSON
      byWorker.set(line.pid, [...(byWorker.get(line.pid) ?? []), line.n]);
    }
    assert.equal(byWorker.size, 2);
    for (const numbers of byWorker.values()) assert.deepEqual(numbers, Array.from({ length: COUNT }, (_, n) => n));
  });
});
