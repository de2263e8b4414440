/**
 * A legacy session's GET stream whose client stops reading: the session's notifications (here
 * resource updates, tens of thousands) keep coming, and were written to the connection, where
 * node queued every one. They are now held and coalesced (one per resource and per list) while
 * the client is not reading: the server's buffered bytes stay bounded, other sessions are
 * served meanwhile, and the client, reading again or resuming with Last-Event-ID, learns of
 * every resource that changed.
 */
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { McpServer } from '../../src/server/server.ts';
import { sequenceOf } from '../../src/store/event-store.ts';
import { createFetchHandler } from '../../src/transport/http/fetch.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { SseParser, type SseEvent } from '../../src/transport/http/sse-parser.ts';
import { openSession, post } from '../helpers/http.ts';
import { SseReader } from '../helpers/sse-reader.ts';

const VERSION = '2025-11-25';
const MIB = 1024 * 1024;
/** 64 subscribed resources with long URIs: an update is an event of about 250 bytes. */
const URIS = Array.from({ length: 64 }, (_, i) => `demo://items/${String(i).padStart(2, '0')}-${'x'.repeat(110)}`);
/** Rounds of updates to every resource: 51,200 events, 12 MiB, while the client reads none. */
const ROUNDS = 800;
/** Was: node queued what the kernel did not take, 10 MiB and more. */
const MAX_BUFFERED = 1 * MIB;

function makeServer(): McpServer {
  const server = new McpServer({ name: 'get-stream', version: '1.0.0' });
  server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, ({ text }) => String(text));
  server.resourceTemplate('demo://items/{id}', { name: 'item' }, (_uri, { id }) => `item ${id}`);
  return server;
}

/** Tells the sessions that the tool list changed: the mark of the end of a flood. */
let marks = 0;
function mark(server: McpServer): void {
  server.tool(`mark${marks++}`, { inputSchema: { type: 'object' } }, () => 'marked');
}

const TOOLS_CHANGED = 'notifications/tools/list_changed';

function headers(sessionId: string): Record<string, string> {
  return { 'mcp-session-id': sessionId, 'mcp-protocol-version': VERSION };
}

async function subscribe(url: string, sessionId: string, uris: readonly string[]): Promise<void> {
  for (const [i, uri] of uris.entries()) {
    const answer = await post(url, { jsonrpc: '2.0', id: i + 1, method: 'resources/subscribe', params: { uri } }, headers(sessionId));
    assert.deepEqual(answer.json.result, {});
  }
}

/** A GET stream read by node's HTTP client, which stops reading the socket while paused. */
class GetStream {
  readonly events: SseEvent[] = [];
  readonly parser = new SseParser();
  readonly #res: IncomingMessage;
  #waiters: Array<() => void> = [];

  constructor(res: IncomingMessage) {
    this.#res = res;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.events.push(...this.parser.push(chunk));
      for (const waiter of this.#waiters.splice(0)) waiter();
    });
    res.on('error', () => {});
  }

  static open(url: string, sessionId: string, lastEventId?: string): Promise<GetStream> {
    const extra: Record<string, string> = lastEventId === undefined ? {} : { 'last-event-id': lastEventId };
    return new Promise((resolve, reject) => {
      get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers(sessionId), ...extra } }, (res) => {
        assert.equal(res.statusCode, 200);
        resolve(new GetStream(res));
      }).on('error', reject);
    });
  }

  /** Resolves once an event passes `found` (among those from `from` on). */
  async until(found: (event: SseEvent) => boolean, from = 0): Promise<void> {
    while (!this.events.slice(from).some(found)) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  pause(): void {
    this.#res.pause();
  }

  resume(): void {
    this.#res.resume();
  }

  destroy(): void {
    this.#res.destroy();
  }
}

function messageOf(event: SseEvent): any {
  return event.data === '' ? undefined : JSON.parse(event.data);
}

const isMark = (event: SseEvent) => messageOf(event)?.method === TOOLS_CHANGED;

/** The URIs updated in `events`; checks that their ids rise, as one stream's must. */
function updatedUris(events: SseEvent[]): Set<string> {
  const uris = new Set<string>();
  let last = 0;
  for (const event of events) {
    if (event.id !== undefined) {
      assert.ok(sequenceOf(event.id) > last, `event ${event.id} came after ${last}`);
      last = sequenceOf(event.id);
    }
    const message = messageOf(event);
    if (message?.method === 'notifications/resources/updated') uris.add(message.params.uri);
  }
  return uris;
}

/** Updates every resource ROUNDS times, letting I/O run between rounds; calls `each` after every round. */
async function flood(server: McpServer, each: (round: number) => void | Promise<void>): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    for (const uri of URIS) server.resourceUpdated(uri);
    await new Promise(setImmediate);
    await each(round);
  }
}

describe('regression: a GET stream whose client stops reading', { timeout: 120_000 }, () => {
  it('node face: the server buffers a bounded amount, serves other sessions, and the client learns of every update when it reads again or resumes', async (t) => {
    const server = makeServer();
    const listener = await serveHttp(server, { port: 0 });
    const sockets = new Set<Socket>();
    listener.server.on('connection', (socket: Socket) => sockets.add(socket));
    const buffered = () => {
      let bytes = 0;
      for (const socket of sockets) bytes += socket.writableLength;
      return bytes;
    };
    const url = listener.url;
    try {
      const stuck = await openSession(url);
      await subscribe(url, stuck, URIS);
      const other = await openSession(url);
      await subscribe(url, other, URIS.slice(0, 1));
      const otherStream = new SseReader(await fetch(url, { headers: { accept: 'text/event-stream', ...headers(other) } }));
      const stream = await GetStream.open(url, stuck);
      await stream.until((event) => event.id !== undefined);

      // It stops reading: the client's buffers fill, then the kernel's, then the server's.
      stream.pause();
      const paused = stream.events.length;
      let peak = 0;
      await flood(server, async (round) => {
        peak = Math.max(peak, buffered());
        assert.ok(peak < MAX_BUFFERED, `the server buffered ${peak} bytes after ${round + 1} rounds of updates`);
        if (round % 100 !== 0) return;
        const answer = await post(url, { jsonrpc: '2.0', id: 1000 + round, method: 'tools/call', params: { name: 'echo', arguments: { text: `round ${round}` } } }, headers(other));
        assert.equal(answer.json.result.content[0].text, `round ${round}`);
      });
      mark(server);
      // The other session's stream kept flowing: it hears of the end too.
      for (let message = await otherStream.nextMessage(); message.method !== TOOLS_CHANGED; message = await otherStream.nextMessage());
      await otherStream.cancel();

      // Reading again, it learns of every resource's change, and of the list's, ids in order.
      stream.resume();
      await stream.until(isMark, paused);
      assert.deepEqual(updatedUris(stream.events.slice(paused)), new Set(URIS));
      updatedUris(stream.events);

      // It stops reading again, and goes away: resuming from the last event it had, it learns
      // of every change it missed, from the event store.
      stream.pause();
      const lastEventId = stream.parser.lastEventId!;
      await flood(server, () => {
        peak = Math.max(peak, buffered());
        assert.ok(peak < MAX_BUFFERED, `the server buffered ${peak} bytes`);
      });
      stream.destroy();
      const resumed = await GetStream.open(url, stuck, lastEventId);
      mark(server);
      await resumed.until(isMark);
      assert.deepEqual(updatedUris(resumed.events), new Set(URIS));
      assert.ok(sequenceOf(resumed.events[0].id!) > sequenceOf(lastEventId));
      resumed.destroy();
      t.diagnostic(`${2 * ROUNDS * URIS.length} updates to a client that read none of them: at most ${peak} bytes buffered by the server`);
    } finally {
      await listener.close();
    }
  });

  it('fetch face: a response body left unread holds a bounded number of events, one per resource changed', async () => {
    const server = makeServer();
    const handle = createFetchHandler(server);
    const url = 'http://127.0.0.1/mcp';
    const request = (body: unknown, sessionId?: string) =>
      new Request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', host: '127.0.0.1', ...(sessionId === undefined ? {} : headers(sessionId)) },
        body: JSON.stringify(body),
      });
    const init = await handle(request({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'stuck', version: '1.0.0' } } }));
    const sessionId = init.headers.get('mcp-session-id')!;
    await init.text();
    await (await handle(request({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId))).text();
    for (const [i, uri] of URIS.entries()) await (await handle(request({ jsonrpc: '2.0', id: i + 1, method: 'resources/subscribe', params: { uri } }, sessionId))).text();
    const response = await handle(new Request(url, { headers: { accept: 'text/event-stream', host: '127.0.0.1', ...headers(sessionId) } }));
    const reader = new SseReader(response);
    assert.equal((await reader.next())?.data, '');

    // Nothing is read: what the server queues is what the reader gets when it reads again.
    await flood(server, () => {});
    mark(server);
    const events: SseEvent[] = [];
    for (let event = await reader.next(); event !== undefined; event = await reader.next()) {
      events.push(event);
      if (isMark(event)) break;
    }
    assert.deepEqual(updatedUris(events), new Set(URIS));
    // Was: every one of the 51,200 events.
    assert.ok(events.length < 4 * URIS.length, `${events.length} events queued for a reader that read none`);
    await reader.cancel();
    server.close();
  });
});
