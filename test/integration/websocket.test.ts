/**
 * WebSocket on serveHttp's listener, in process: the upgrade goes through the listener's
 * Origin/Host check and edge hook (refused with the hook's status and headers, accepted with
 * its principal reaching handlers), its bounds (connections per client, requests in flight
 * shared with HTTP, the per-connection cap), keep-alive (a peer that answers no ping is
 * closed; a credential that expires closes its connection with 1008), and backpressure (a
 * peer that does not read stops being read).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport as WebSocketV1 } from '@modelcontextprotocol/sdk/client/websocket.js';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { Refusal, type EdgeHook, type Principal, type RequestHead } from '../../src/security/edge.ts';
import { McpServer } from '../../src/server/server.ts';
import { serveHttp, type HttpListener, type ServeHttpOptions } from '../../src/transport/http/node.ts';
import type { HttpClientAuth } from '../../src/transport/http/client-auth.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';
import type { HostedConnectionOptions } from '../../src/transport/websocket/endpoint.ts';
import { modernCall, openRaw, refusedUpgrade } from '../helpers/ws.ts';

const TOKEN = 'let-me-in';

/** Bearer TOKEN or 401 with a challenge; the principal's subject is the token's owner. */
const bearer: EdgeHook = (head: RequestHead) =>
  head.headers.authorization === `Bearer ${TOKEN}`
    ? { subject: 'alice', scopes: ['tools'] }
    : new Refusal(401, { code: -32000, message: 'Unauthorized: a bearer token is required' }, { 'www-authenticate': 'Bearer realm="mcp", error="invalid_token"' });

function demoServer(): McpServer {
  const server = new McpServer({ name: 'ws-test', version: '1.0.0' });
  server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, ({ text }) => text);
  server.tool('whoami', {}, (_args, ctx) => ctx.auth?.subject ?? 'anonymous');
  server.tool('sleep', { inputSchema: { type: 'object', properties: { ms: { type: 'integer' } }, required: ['ms'] } }, async ({ ms }, ctx) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    return `slept ${ms} ms`;
  });
  return server;
}

async function listen(server: McpServer, options: ServeHttpOptions = {}): Promise<HttpListener & { ws: string }> {
  const listener = await serveHttp(server, { ...options, websocket: { ...options.websocket } });
  return Object.assign(listener, { ws: listener.websocketUrl! });
}

function textOf(result: unknown): string | undefined {
  return (result as { content?: Array<{ text?: string }> }).content?.[0]?.text;
}

describe('WebSocket upgrade through the edge hook', () => {
  let listener: HttpListener & { ws: string };
  before(async () => {
    listener = await listen(demoServer(), { edge: bearer });
  });
  after(() => listener.close());

  it('refuses an upgrade without credentials: 401 with WWW-Authenticate and a JSON-RPC error', async () => {
    const answer = await refusedUpgrade(listener.ws);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['www-authenticate'], 'Bearer realm="mcp", error="invalid_token"');
    assert.deepEqual(JSON.parse(answer.body), { jsonrpc: '2.0', error: { code: -32000, message: 'Unauthorized: a bearer token is required' } });
  });

  it('the official SDK v1 client is refused without credentials', async () => {
    const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' });
    await assert.rejects(client.connect(new WebSocketV1(new URL(listener.ws))));
  });

  it("mcp-core's client without credentials fails to connect with MCP_ERR_UNAUTHORIZED", async () => {
    const client = new McpClient({ name: 'anonymous', version: '1.0.0' });
    await assert.rejects(
      client.connect(new WebSocketClientTransport(listener.ws)),
      (error: unknown) => error instanceof McpLocalError && error.code === LocalErrorCode.Unauthorized && /HTTP 401.*bearer token is required/.test(error.message),
    );
  });

  it('accepts a bearer token in the upgrade headers; handlers see the principal, in both eras', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = new McpClient({ name: 'alice', version: '1.0.0', era });
      await client.connect(new WebSocketClientTransport(listener.ws, { headers: { authorization: `Bearer ${TOKEN}` } }));
      assert.equal(client.era, era);
      assert.equal(textOf(await client.callTool('whoami')), 'alice');
      await client.close();
    }
  });

  it('asks the auth layer for headers and retries the upgrade after its challenge', async () => {
    let token: string | undefined;
    const seen: string[] = [];
    const auth: HttpClientAuth = {
      headers: (request): Record<string, string> => {
        seen.push(`${request.method} ${request.url.href}`);
        return token === undefined ? {} : { authorization: `Bearer ${token}` };
      },
      challenge: async (response) => {
        assert.equal(response.status, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
        token = TOKEN; // as if just obtained from the authorization server
        return true;
      },
    };
    const client = new McpClient({ name: 'oauth', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(listener.ws, { auth }));
    assert.equal(textOf(await client.callTool('whoami')), 'alice');
    // The auth layer knows the endpoint by its HTTP URL: tokens are issued for that resource.
    assert.deepEqual(seen, [`GET ${listener.url}`, `GET ${listener.url}`]);
    await client.close();
  });

  it('gives up after the auth layer declines, with the refusal', async () => {
    const auth: HttpClientAuth = { headers: () => ({}), challenge: async () => false };
    const client = new McpClient({ name: 'declined', version: '1.0.0' });
    await assert.rejects(client.connect(new WebSocketClientTransport(listener.ws, { auth })), { code: LocalErrorCode.Unauthorized });
  });
});

describe('WebSocket upgrade checks', () => {
  let listener: HttpListener & { ws: string };
  let failures: unknown[];
  before(async () => {
    failures = [];
    const server = new McpServer({ name: 'ws-test', version: '1.0.0', onError: (error) => failures.push(error) });
    const edge: EdgeHook = (head) => {
      if (head.headers['x-edge'] === 'throw') throw new Error('edge hook bug');
      if (head.headers['x-edge'] === 'bad-header') return new Refusal(401, { code: -32000, message: 'no' }, { 'www-authenticate': 'Bearer\r\nx-injected: 1' });
      return undefined;
    };
    listener = await listen(server, { edge });
  });
  after(() => listener.close());

  it('refuses a foreign Origin with 403 (cross-site WebSocket hijacking), and lets a loopback one in', async () => {
    const refused = await refusedUpgrade(listener.ws, { origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    assert.match(JSON.parse(refused.body).error.message, /Origin https:\/\/evil\.example is not allowed/);
    const peer = await openRaw(listener.ws, { origin: 'http://localhost:5173' });
    peer.socket.close();
    await peer.closed;
  });

  it('refuses a client that offers only other subprotocols (400), accepts one that offers none', async () => {
    const refused = await refusedUpgrade(listener.ws, { protocols: ['graphql-ws'] });
    assert.equal(refused.status, 400);
    assert.match(JSON.parse(refused.body).error.message, /subprotocol of MCP is "mcp"/);
    const peer = await openRaw(listener.ws, { protocols: [] });
    assert.equal(peer.socket.protocol, '');
    peer.send(modernCall(1, 'nope', {}));
    assert.equal((await peer.next()).id, 1);
    peer.socket.close();
    await peer.closed;
  });

  it('selects the mcp subprotocol', async () => {
    const peer = await openRaw(listener.ws, { protocols: ['other', 'mcp'] });
    assert.equal(peer.socket.protocol, 'mcp');
    peer.socket.close();
    await peer.closed;
  });

  it('answers 500 when the edge hook throws or makes a header node:http would not write, and reports it', async () => {
    const thrown = await refusedUpgrade(listener.ws, { headers: { 'x-edge': 'throw' } });
    assert.equal(thrown.status, 500);
    const injected = await refusedUpgrade(listener.ws, { headers: { 'x-edge': 'bad-header' } });
    assert.equal(injected.status, 500);
    assert.equal(injected.headers['x-injected'], undefined);
    assert.equal(failures.length, 2);
  });

  it('leaves other paths to HTTP (404)', async () => {
    const refused = await refusedUpgrade(listener.ws.replace('/mcp', '/other'));
    assert.equal(refused.status, 404);
  });

  /** Sends a request as written (Host headers as given) and gives the answer, up to `until`. */
  async function rawAnswer(head: string, until = /\r\n\r\n/): Promise<string> {
    const url = new URL(listener.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.setEncoding('utf8');
    socket.write(head);
    let answer = '';
    for await (const chunk of socket) {
      answer += chunk as string;
      if (until.test(answer)) break;
    }
    socket.destroy();
    return answer;
  }

  it('regression: an upgrade with no Host header, or two, is refused 400 (RFC 9112, 3.2); so is a POST with two (node:http kept the first, so both were served)', async () => {
    const upgrade = (hosts: string) => `GET /mcp HTTP/1.1\r\n${hosts}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n`;
    const host = `Host: ${new URL(listener.url).host}\r\n`;
    for (const hosts of ['', host + host, host + 'Host: evil.example\r\n']) {
      assert.match(await rawAnswer(upgrade(hosts)), /^HTTP\/1\.1 400 [^]*an upgrade needs exactly one Host header/, JSON.stringify(hosts));
    }
    assert.match(await rawAnswer(upgrade(host)), /^HTTP\/1\.1 101 /);
    const body = JSON.stringify(modernCall(1, 'nope', {}));
    const post = (hosts: string) => `POST /mcp HTTP/1.1\r\n${hosts}Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    assert.match(await rawAnswer(post(host + 'Host: evil.example\r\n'), /\}\}$/), /^HTTP\/1\.1 400 [^]*"Bad Request: more than one Host header"/);
    // One Host passes, on to MCP's own header checks.
    assert.match(await rawAnswer(post(host), /\}\}$/), /"id":1,"error":\{"code":-32020,"message":"Header mismatch/);
  });

  it('refuses an upgrade that is no GET with 400; takes one whose path has a query, and refuses one on another path with 404', async () => {
    const host = `Host: ${new URL(listener.url).host}\r\n`;
    const upgrade = (method: string, path: string, protocol: string) =>
      `${method} ${path} HTTP/1.1\r\n${host}Upgrade: ${protocol}\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n`;
    assert.match(await rawAnswer(upgrade('POST', '/mcp', 'websocket'), /\}\}$/), /^HTTP\/1\.1 400 [^]*"Bad Request: expected a GET with Upgrade: websocket"/);
    assert.match(await rawAnswer(upgrade('GET', '/mcp?client=1', 'websocket')), /^HTTP\/1\.1 101 /);
    assert.match(await rawAnswer(upgrade('GET', '/other?client=1', 'websocket')), /^HTTP\/1\.1 404 /);
  });
});

describe('WebSocket bounds', () => {
  it('serves a batch in a session of 2025-03-26, each message answered in a frame of its own; refuses it in a newer session', async () => {
    const listener = await listen(demoServer());
    try {
      const initialize = (protocolVersion: string) => ({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      const peer = await openRaw(listener.ws);
      peer.send(initialize('2025-03-26'));
      assert.equal((await peer.next()).result.protocolVersion, '2025-03-26');
      peer.send([
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 20 } } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'batched' } } },
        [{ jsonrpc: '2.0', id: 3, method: 'ping' }],
      ]);
      const answers = [await peer.next(), await peer.next(), await peer.next()];
      const byId = new Map(answers.map((answer) => [answer.id, answer]));
      assert.equal(textOf(byId.get(1).result), 'slept 20 ms');
      assert.equal(textOf(byId.get(2).result), 'batched');
      assert.equal(byId.get(undefined).error.code, -32600);
      peer.socket.close();

      const newer = await openRaw(listener.ws);
      newer.send(initialize('2025-11-25'));
      await newer.next();
      newer.send([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
      assert.match((await newer.next()).error.message, /only in sessions of protocol version 2025-03-26/);
      newer.socket.close();
      await Promise.all([peer.closed, newer.closed]);
    } finally {
      await listener.close();
    }
  });

  it('refuses a client past its connections with 503 and Retry-After; a closed one frees its place', async () => {
    const listener = await listen(demoServer(), { websocket: { maxConnectionsPerClient: 2 } });
    try {
      const first = await openRaw(listener.ws);
      const second = await openRaw(listener.ws);
      const refused = await refusedUpgrade(listener.ws);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '5');
      assert.match(JSON.parse(refused.body).error.message, /too many WebSocket connections/);
      first.socket.close();
      await first.closed;
      await waitFor(() => listener.websocket!.connections === 1);
      const third = await openRaw(listener.ws);
      for (const peer of [second, third]) peer.socket.close();
      await Promise.all([second.closed, third.closed]);
    } finally {
      await listener.close();
    }
  });

  it("behind a trusted proxy (trustProxy), counts connections against the client X-Forwarded-For names, not the proxy's", async () => {
    const listener = await listen(demoServer(), { trustProxy: ['127.0.0.1'], websocket: { maxConnectionsPerClient: 1 } });
    try {
      const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
      const alice = await openRaw(listener.ws, from('203.0.113.7'));
      const bob = await openRaw(listener.ws, from('198.51.100.1, 203.0.113.8'));
      assert.equal((await refusedUpgrade(listener.ws, from('203.0.113.7'))).status, 503);
      for (const peer of [alice, bob]) peer.socket.close();
      await Promise.all([alice.closed, bob.closed]);
    } finally {
      await listener.close();
    }
  });

  it('counts requests in the in-flight limits it shares with HTTP: past them a request gets the 503 error', async () => {
    const listener = await listen(demoServer(), { inflight: { maxRequestsPerClient: 2 } });
    try {
      const peer = await openRaw(listener.ws);
      peer.send(modernCall(1, 'sleep', { ms: 60_000 }));
      peer.send(modernCall(2, 'sleep', { ms: 60_000 }));
      peer.send(modernCall(3, 'echo', { text: 'one too many' }));
      const refused = await peer.next();
      assert.equal(refused.id, 3);
      assert.equal(refused.error.code, -32000);
      assert.match(refused.error.message, /too many requests in flight/);
      // An HTTP POST of the same client counts against the same bound.
      const response = await fetch(listener.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
        body: JSON.stringify(modernCall(4, 'echo', { text: 'over HTTP' })),
      });
      assert.equal(response.status, 503);
      await response.body?.cancel();
      peer.socket.close();
      await peer.closed;
      // Closing the connection cancelled its calls and gave their places back.
      await waitFor(() => listener.handler.transport.inflight.requests === 0);
    } finally {
      await listener.close();
    }
  });

  it('regression: a request cancelled, or of a closed connection, counts until its handler returns (a client cancelling each call to a tool that ignores cancellation ran any number at once)', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let cancelled = 0;
    const server = demoServer();
    server.tool('stubborn', {}, async (_args, ctx) => {
      ctx.signal.addEventListener('abort', () => cancelled++, { once: true });
      await released;
      return 'done at last';
    });
    const listener = await listen(server, { inflight: { maxRequestsPerClient: 2 } });
    try {
      const peer = await openRaw(listener.ws);
      peer.send(modernCall(1, 'stubborn', {}));
      peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } });
      await waitFor(() => cancelled === 1);
      peer.send(modernCall(2, 'echo', { text: 'one is running' }));
      assert.equal(textOf((await peer.next()).result), 'one is running');
      peer.send(modernCall(3, 'stubborn', {}));
      peer.socket.close();
      await peer.closed;
      await waitFor(() => cancelled === 2);
      assert.equal(listener.handler.transport.inflight.requests, 2, 'both handlers run on, and hold their places');
      const again = await openRaw(listener.ws);
      again.send(modernCall(4, 'echo', { text: 'one too many' }));
      const refused = await again.next();
      assert.equal(refused.id, 4);
      assert.match(refused.error.message, /too many requests in flight/);
      release();
      await waitFor(() => listener.handler.transport.inflight.requests === 0);
      again.send(modernCall(5, 'echo', { text: 'room again' }));
      assert.equal(textOf((await again.next()).result), 'room again');
      again.socket.close();
      await again.closed;
    } finally {
      release();
      await listener.close();
    }
  });

  it('stops reading a connection at its in-flight cap: the next request waits, it is not refused', async () => {
    const listener = await listen(demoServer(), { websocket: { maxInflightPerConnection: 1 } });
    try {
      const peer = await openRaw(listener.ws);
      peer.send(modernCall(1, 'sleep', { ms: 200 }));
      peer.send(modernCall(2, 'echo', { text: 'after the sleep' }));
      assert.equal((await peer.next()).id, 1);
      assert.equal(textOf((await peer.next()).result), 'after the sleep');
      peer.socket.close();
      await peer.closed;
    } finally {
      await listener.close();
    }
  });
});

/** A server that lets the test see the transports it serves. */
class WatchedServer extends McpServer {
  readonly transports: Transport[] = [];
  override connect(transport: Transport, options?: HostedConnectionOptions) {
    this.transports.push(transport);
    return super.connect(transport, options);
  }
}

describe('WebSocket flow control', () => {
  // Regression: a socket reports a finished write with `null`, which was taken for an error, so
  // reading never resumed once paused for a slow peer.
  it('stops reading a peer that does not read its answers, and goes on once it does', async () => {
    const server = new WatchedServer({ name: 'ws-test', version: '1.0.0' });
    let served = 0;
    server.tool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, ({ text }) => {
      served++;
      return text as string;
    });
    const listener = await listen(server);
    try {
      const peer = await openRaw(listener.ws);
      const transport = server.transports[0];
      const paused = new Promise<void>((resolve) => {
        const pause = transport.pause.bind(transport);
        transport.pause = () => {
          pause();
          resolve();
        };
      });
      peer.socket.pause(); // the peer stops reading
      const COUNT = 2000;
      const text = 'x'.repeat(16 * 1024);
      for (let id = 1; id <= COUNT; id++) peer.send(modernCall(id, 'echo', { text }));
      await paused;
      const servedWhenPaused = served;
      assert.ok(servedWhenPaused < COUNT, `reading paused after ${servedWhenPaused} requests`);
      peer.socket.resume();
      const ids = new Set<number>();
      while (ids.size < COUNT) ids.add((await peer.next()).id);
      assert.equal(served, COUNT);
      peer.socket.close();
      await peer.closed;
    } finally {
      await listener.close();
    }
  });
});

describe('WebSocket keep-alive', () => {
  it('closes a peer that answers no ping, and keeps one that does', async () => {
    // A second between pings: the live peer (in this process) answers well within it.
    const listener = await listen(demoServer(), { websocket: { pingIntervalMs: 1000 } });
    try {
      const silent = await openRaw(listener.ws, { autoPong: false });
      const lively = await openRaw(listener.ws);
      let pings = 0;
      const threePings = new Promise<void>((resolve) => lively.socket.on('ping', () => ++pings === 3 && resolve()));
      // The silent one was pinged and did not answer by the next beat: dropped within two intervals.
      const { code } = await silent.closed;
      assert.equal(code, 1006, 'dropped without a closing handshake');
      await threePings;
      lively.send(modernCall(1, 'echo', { text: 'alive' }));
      assert.equal(textOf((await lively.next()).result), 'alive');
      lively.socket.close();
      await lively.closed;
    } finally {
      await listener.close();
    }
  });

  it('closes a connection with 1008 once the credential it was opened with expires', async () => {
    // Expires one to two seconds from now (expiresAt counts whole seconds), checked on each beat.
    const expiring: EdgeHook = () => ({ subject: 'short-lived', scopes: [], expiresAt: Math.floor(Date.now() / 1000) + 2 } satisfies Principal);
    const listener = await listen(demoServer(), { edge: expiring, websocket: { pingIntervalMs: 500 } });
    try {
      const client = new McpClient({ name: 'expiring', version: '1.0.0' });
      await client.connect(new WebSocketClientTransport(listener.ws));
      assert.equal(textOf(await client.callTool('whoami')), 'short-lived');
      const closed = await client.closed;
      assert.match(String(closed?.message), /1008 The credential expired/);
    } finally {
      await listener.close();
    }
  });
});

describe('a request on a WebSocket connection whose credential expired', () => {
  it('regression: between beats it is refused, as over HTTP, and the connection closes with 1008 (it was served until the next beat, 30 s by default)', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const expiring: EdgeHook = () => ({ subject: 'short-lived', scopes: [], expiresAt } satisfies Principal);
    // The default ping interval (30 s): no beat comes during the test.
    const listener = await listen(demoServer(), { edge: expiring });
    try {
      const peer = await openRaw(listener.ws);
      peer.send(modernCall(1, 'whoami', {}));
      assert.equal(textOf((await peer.next()).result), 'short-lived');
      await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
      peer.send(modernCall(2, 'whoami', {}));
      const refused = await peer.next();
      assert.equal(refused.id, 2);
      assert.equal(refused.result, undefined, 'served after its credential expired');
      assert.equal(refused.error.code, -32000);
      assert.match(refused.error.message, /^Unauthorized: the credential this connection was opened with expired/);
      const { code, reason } = await peer.closed;
      assert.equal(code, 1008);
      assert.match(reason, /The credential expired/);
    } finally {
      await listener.close();
    }
  });
});

describe('a WebSocket connection the server closes while its reading is paused', () => {
  it("regression: closed with 1008 at the in-flight cap, it ends once its client answers the close, not after ws's 30 s closing timeout", async () => {
    const expiring: EdgeHook = () => ({ subject: 'short-lived', scopes: [], expiresAt: Math.floor(Date.now() / 1000) + 2 } satisfies Principal);
    const listener = await listen(demoServer(), { edge: expiring, websocket: { pingIntervalMs: 500, maxInflightPerConnection: 2 } });
    try {
      const peer = await openRaw(listener.ws);
      // Two calls fill the connection's cap; the third is left unread: reading pauses.
      for (let id = 1; id <= 3; id++) peer.send(modernCall(id, 'sleep', { ms: 8_000 }));
      const opened = Date.now();
      // The client answers the server's close at once; the server reading it ends the connection.
      const ended = await Promise.race([peer.closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 6_000))]);
      assert.ok(ended !== undefined, `still open ${Date.now() - opened} ms after it was opened: the answer to the close went unread`);
      assert.equal(ended.code, 1008);
    } finally {
      await listener.close();
    }
  });
});

describe('WebSocket client errors', () => {
  it('reports a server that is not there as MCP_ERR_UNREACHABLE', async () => {
    const listener = await listen(demoServer());
    const url = listener.ws;
    await listener.close();
    const client = new McpClient({ name: 'late', version: '1.0.0' });
    await assert.rejects(client.connect(new WebSocketClientTransport(url)), { code: LocalErrorCode.Unreachable });
  });

  it('closes with 1009 on a message over its own limit, and says so', async () => {
    const listener = await listen(demoServer());
    try {
      const client = new McpClient({ name: 'small', version: '1.0.0' });
      await client.connect(new WebSocketClientTransport(listener.ws, { maxMessageBytes: 4096 }));
      await assert.rejects(client.callTool('echo', { text: 'x'.repeat(8192) }), { code: LocalErrorCode.ConnectionClosed });
      const closed = await client.closed;
      assert.match(String(closed?.message), /exceeded the size limit of 4096 bytes/);
    } finally {
      await listener.close();
    }
  });

  it('tells its owner when the server closes the connection', async () => {
    const listener = await listen(demoServer());
    const client = new McpClient({ name: 'dropped', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(listener.ws));
    await listener.close(1000);
    const closed = await client.closed;
    assert.match(String(closed?.message), /1001 Server shutting down/);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
