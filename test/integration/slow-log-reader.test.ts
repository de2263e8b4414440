/**
 * A tool that logs in a loop to a client that stopped reading its response: the server holds
 * the first log messages (64 KiB of them) and counts the rest instead of queueing them all;
 * once the tool answers, the held ones go out in order, then one warning with the count, then
 * the answer (nothing of a request follows its answer). Real server on 127.0.0.1, node's HTTP
 * client paused on the response.
 */
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { LoggingLevel } from '../../src/protocol/types.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { SseParser } from '../../src/transport/http/sse-parser.ts';
import { MODERN_META, openSession, post } from '../helpers/http.ts';
import { checkFloodLogs } from '../helpers/log-flood.ts';

/** 20,000 log messages of 1 KiB (20 MiB) for a client that reads none of it. */
const COUNT = 20_000;
const SIZE = 1024;
/** Bytes the server may buffer for it (64 KiB held, the rest node's): it was 19 MiB. */
const MAX_BUFFERED = 2 * 1024 * 1024;

interface Chatty {
  server: McpServer;
  /** Resolves once the tool has logged everything and answered. */
  done: Promise<void>;
}

function makeServer(): Chatty {
  const server = new McpServer({ name: 'chatty', version: '1.0.0' });
  const { promise: done, resolve } = Promise.withResolvers<void>();
  server.tool('chatty', { inputSchema: { type: 'object', properties: { level: { type: 'string' } } } }, async ({ level = 'info' }, ctx) => {
    const filler = 'l'.repeat(SIZE);
    for (let i = 1; i <= COUNT; i++) {
      ctx.log(level as LoggingLevel, `${i} ${filler}`, 'chatty');
      // Lets the response's writes reach the socket, and the client's not reading show.
      if (i % 100 === 0) await new Promise(setImmediate);
    }
    setImmediate(resolve);
    return `logged ${COUNT}`;
  });
  return { server, done };
}

/** POSTs `body` and pauses the response at once: nothing more of it is read until `readAll`. */
function stuckPost(url: string, body: unknown, headers: Record<string, string>): Promise<{ readAll(): Promise<any[]> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res: IncomingMessage) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      res.pause();
      resolve({
        readAll: () =>
          new Promise((done) => {
            const parser = new SseParser();
            const messages: any[] = [];
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              for (const event of parser.push(chunk)) if (event.data !== '') messages.push(JSON.parse(event.data));
            });
            res.on('end', () => done(messages));
            res.resume();
          }),
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('regression: a tool logging to a client that stopped reading', { timeout: 120_000 }, () => {
  for (const [era, level] of [['legacy', 'warning'], ['modern', 'warning'], ['legacy', 'error']] as const) {
    it(`${era} era${level === 'error' ? ', a client asking for errors only' : ''}: the server holds a bounded amount, then sends the held ones, a count of the rest at ${level}, and the answer`, async (t) => {
      const { server, done } = makeServer();
      const listener = await serveHttp(server, { port: 0 });
      const sockets = new Set<Socket>();
      listener.server.on('connection', (socket: Socket) => sockets.add(socket));
      try {
        const url = listener.url;
        const args = { level: level === 'error' ? 'error' : 'info' };
        let stuck;
        if (era === 'legacy') {
          const session = { 'mcp-session-id': await openSession(url), 'mcp-protocol-version': '2025-11-25' };
          if (level === 'error') assert.deepEqual((await post(url, { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'error' } }, session)).json.result, {});
          stuck = await stuckPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'chatty', arguments: args } }, session);
        } else {
          const meta = { ...MODERN_META, 'io.modelcontextprotocol/logLevel': 'info' };
          const headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'chatty' };
          stuck = await stuckPost(url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'chatty', arguments: args, _meta: meta } }, headers);
        }
        await done;
        let buffered = 0;
        for (const socket of sockets) buffered += socket.writableLength;
        assert.ok(buffered < MAX_BUFFERED, `the server buffered ${buffered} bytes`);
        const messages = await stuck.readAll();
        assert.equal(messages.pop().result.content[0].text, `logged ${COUNT}`);
        const received = checkFloodLogs(messages, COUNT, 'chatty', level);
        assert.ok(received < COUNT / 2, `${received} of ${COUNT} log messages were queued for a client that did not read`);
        t.diagnostic(`${received} of ${COUNT} log messages received, ${buffered} bytes buffered by the server once the tool was done`);
      } finally {
        await listener.close();
      }
    });
  }
});
