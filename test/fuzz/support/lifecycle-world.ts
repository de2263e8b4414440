/**
 * What the HTTP lifecycle fuzz target knows of one case: the real server (on a real socket, on
 * either face), and the model of what the client did to it: the sessions it opened and deleted,
 * the calls it made, cancelled and hung up on, the streams it opened and resumed. The commands
 * (lifecycle-commands.ts) act through it; the test checks its invariants once the case is over.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type fc from 'fast-check';
import type { McpServer } from '../../../src/server/server.ts';
import type { MemoryEventStore } from '../../../src/store/event-store.ts';
import type { HttpIo } from '../../../src/transport/http/sink.ts';
import type { StreamableHttp } from '../../../src/transport/http/streamable-http.ts';
import { MODERN_META } from '../../helpers/http.ts';
import { eventually, LiveRequest, type LiveRequestOptions } from './live-request.ts';
import type { TagGate } from './lifecycle-server.ts';

export type Principal = 'alice' | 'bob';

export type Command = fc.AsyncCommand<World, World>;

/**
 * Every command applies in every state: one without a target acts on none (an unknown id).
 * After each, what must hold at every moment is checked.
 */
export function command(shown: string, act: (world: World) => Promise<void>): Command {
  return {
    check: () => true,
    run: async (_model, world) => {
      await act(world);
      world.checkNow();
    },
    toString: () => shown,
  };
}

export function otherThan(principal: Principal): Principal {
  return principal === 'alice' ? 'bob' : 'alice';
}

export interface SessionRef {
  readonly id: string;
  readonly owner: Principal;
  readonly version: string;
  /** Deleted by its owner (or found gone): nothing of it may be left on the server. */
  deleted: boolean;
  readonly calls: CallRef[];
}

export interface CallRef {
  readonly req: LiveRequest;
  readonly id: number;
  readonly kind: 'legacy' | 'modern' | 'task';
  readonly tag: string;
  readonly session: SessionRef | undefined;
  /** The client sent notifications/cancelled for its id: no answer is due. */
  cancelled: boolean;
  /** The connection carrying the call's stream now: the POST, or the last resumption answered 200. */
  holder: LiveRequest;
  /** GETs that resumed its stream with Last-Event-ID and were answered 200. */
  readonly resumes: LiveRequest[];
  /** The client left the connection holding its stream while its work ran: the answer waits to be resumed. */
  leftWhileRunning: boolean;
}

export interface StreamRef {
  readonly req: LiveRequest;
  /** A session's GET stream, a resumption (of a call's stream, or of a GET stream), or a modern subscriptions/listen. */
  readonly kind: 'get' | 'resume' | 'listen';
  readonly session: SessionRef | undefined;
  /** The call whose stream it resumed, if it resumed one. */
  readonly resumed: CallRef | undefined;
}

export const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export function auth(principal: Principal, late: boolean): Record<string, string> {
  return { authorization: `Bearer ${late ? 'async-' : ''}${principal}` };
}

export function sessionHeaders(session: SessionRef | undefined): Record<string, string> {
  // A session the client never had: an id the server never gave.
  if (session === undefined) return { 'mcp-session-id': randomUUID(), 'mcp-protocol-version': '2025-11-25' };
  return { 'mcp-session-id': session.id, 'mcp-protocol-version': session.version };
}

export function modernCall(id: number, name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { ...MODERN_META, ...meta } } }),
  };
}

export interface WorldParts {
  url: string;
  transport: StreamableHttp;
  server: McpServer;
  gate: TagGate;
  events: MemoryEventStore;
  errors: string[];
}

export class World {
  readonly url: string;
  readonly transport: StreamableHttp;
  readonly server: McpServer;
  readonly gate: TagGate;
  readonly events: MemoryEventStore;
  readonly sessions: SessionRef[];
  readonly calls: CallRef[];
  readonly streams: StreamRef[];
  /** Task ids handed out, with their owner. */
  readonly tasks: Array<{ taskId: string; owner: Principal }>;
  /** What the server reported to onError; must stay empty. */
  readonly errors: string[];
  /** Every request sent, to hang up what is left when a case ends. */
  readonly all: LiveRequest[];
  /** Request heads the transport took in (admitted or refused): a body is being read after it. */
  heads: number;
  #nextId: number;
  /** The server's side of each request, by the number the client gave it (x-fuzz-request). */
  readonly #served: Map<string, HttpIo>;

  constructor(parts: WorldParts) {
    this.url = parts.url;
    this.transport = parts.transport;
    this.server = parts.server;
    this.gate = parts.gate;
    this.events = parts.events;
    this.sessions = [];
    this.calls = [];
    this.streams = [];
    this.tasks = [];
    this.errors = parts.errors;
    this.all = [];
    this.heads = 0;
    this.#nextId = 1;
    this.#served = new Map();
    // Keeps the server's side of each request, to see when the server knows its client is gone.
    const transport = parts.transport;
    const handle = transport.handle.bind(transport);
    transport.handle = (method, path, headers, remoteAddress, io) => {
      const serial = headers['x-fuzz-request'];
      if (typeof serial === 'string') this.#served.set(serial, io);
      handle(method, path, headers, remoteAddress, io);
    };
    // Counts request heads as the transport takes them in, to hang up mid-body at the right time.
    const inflight = parts.transport.inflight;
    const admit = inflight.admit.bind(inflight);
    inflight.admit = (...args) => {
      this.heads++;
      return admit(...args);
    };
  }

  nextId(): number {
    return this.#nextId++;
  }

  send(label: string, options: LiveRequestOptions): LiveRequest {
    const serial = String(this.all.length);
    const req = new LiveRequest(this.url, label, { ...options, headers: { ...options.headers, 'x-fuzz-request': serial } });
    this.all.push(req);
    return req;
  }

  /**
   * The client goes away from `req`, and waits until the server knows (so what the server sends
   * from then on is what a client that comes back must find). A call whose stream it held,
   * and whose work still runs, now has its answer waiting to be resumed.
   */
  async leave(req: LiveRequest): Promise<void> {
    req.hangUp();
    const served = this.#served.get(String(this.all.indexOf(req)));
    await eventually(`the server to see the client of ${req.label} gone`, () => served === undefined || served.done);
    for (const call of this.calls) if (call.holder === req) call.leftWhileRunning = this.gate.running.has(call.tag);
  }

  /** Sends and waits for the whole answer; checks it is one and that the server did not fail. */
  async exchange(label: string, options: LiveRequestOptions): Promise<LiveRequest> {
    const req = this.send(label, options);
    await req.ended();
    assertAnswered(req);
    return req;
  }

  /** The session at `index` (modulo how many there were), or undefined when none was opened. */
  session(index: number): SessionRef | undefined {
    return this.sessions.length === 0 ? undefined : this.sessions[index % this.sessions.length];
  }

  /** A call still waiting for its answer at `index` (of any call when none waits); of `kind` if given. */
  call(index: number, kind?: CallRef['kind']): CallRef | undefined {
    const calls = kind === undefined ? this.calls : this.calls.filter((call) => call.kind === kind);
    const waiting = calls.filter((call) => !call.holder.settled);
    const among = waiting.length > 0 ? waiting : calls;
    return among.length === 0 ? undefined : among[index % among.length];
  }

  /**
   * What must hold at every moment: a legacy call's work holds its in-flight share until it is
   * done, whether its client is there or not (2025-11-25: disconnection is not cancellation).
   */
  checkNow(): void {
    const inflight = this.transport.inflight;
    inflight.sweep();
    const legacyWorks = [...this.gate.waiting].filter((tag) => tag.startsWith('legacy-')).length;
    assert.ok(inflight.requests >= legacyWorks, `${legacyWorks} legacy works run on ${inflight.requests} in-flight shares`);
  }

  stream(index: number): StreamRef | undefined {
    return this.streams.length === 0 ? undefined : this.streams[index % this.streams.length];
  }
}

/** A request the client did not hang up on ended with an answer: not cut short, not a server failure. */
export function assertAnswered(req: LiveRequest): void {
  assert.notEqual(req.state, 'failed', `lost answer: ${req.describe()}: ${req.failure?.message}`);
  assert.ok(req.status === undefined || req.status < 500 || req.status === 503, `server failure: ${req.describe()}`);
  assert.equal(req.failure, undefined, `${req.describe()}: ${req.failure?.message}`);
}

/**
 * Each connection of a call carries at most one answer, and only the call's own; the connection
 * holding its stream at the end got exactly one, unless the client hung up on it or cancelled
 * the call, or the server closed it for the client to resume (see resumeLost in the test). A
 * refusal before the body was read names no id.
 */
export function checkCall(call: CallRef): void {
  for (const req of [call.req, ...call.resumes]) {
    if (req.hungUp) continue;
    assertAnswered(req);
    const responses = req.responses;
    assert.ok(responses.length <= 1, `more than one answer: ${req.describe()}`);
    for (const response of responses) {
      assert.ok(response.id === call.id || (response.id === null && req.status !== 200), `an answer for another request: ${req.describe()}`);
    }
  }
  // None is due on a connection the client left, or the server closed for the client to come
  // back (the answer is had by resuming), or for a cancelled call.
  if (call.holder.hungUp || call.holder.polled || call.cancelled) return;
  assert.equal(call.holder.responses.length, 1, `no answer: ${call.holder.describe()}`);
}

/**
 * A GET stream carries no answer to any request (those go on their request's stream); a listen
 * stream ends with its own answer once the server closes (none is due to a client that left).
 */
export function checkStream(stream: StreamRef, serverClosed: boolean): void {
  const req = stream.req;
  if (req.hungUp || stream.resumed !== undefined) return;
  assertAnswered(req);
  if (stream.kind !== 'listen') {
    assert.deepEqual(req.responses, [], `an answer on a GET stream: ${req.describe()}`);
    return;
  }
  assert.ok(req.responses.length <= 1, `more than one answer: ${req.describe()}`);
  if (serverClosed && req.status === 200) assert.equal(req.responses.length, 1, `no answer: ${req.describe()}`);
}
