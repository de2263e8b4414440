/**
 * The stream actions of the HTTP lifecycle fuzz target: a session's GET stream opened, a stream
 * closed by its client, resumptions with a Last-Event-ID of every kind (a call's stream, the GET
 * stream, a stale one, one its stream never gave, another session's, garbage), and modern
 * subscriptions/listen streams.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MODERN_META } from '../../helpers/http.ts';
import { assertAnswered, auth, command, otherThan, POST_HEADERS, sessionHeaders, type CallRef, type Command, type Principal, type SessionRef, type World } from './lifecycle-world.ts';

export type ResumeKind = 'call' | 'get' | 'stale' | 'never-given' | 'forged' | 'other-session' | 'garbage';

/** Sequences no stream gives, after a real stream's id. */
const NEVER_GIVEN = ['99999', 'NaN', '', '0', '-1', '1.5', '1e3'];

/** Last-Event-ID values no server gave. */
const GARBAGE_IDS = ['', '.', 'x', '..1', '.-1', 'x.1e999', 'x.NaN', '__proto__.1'];

/** Picks at `pick` among `items`, those `preferred` first (a client resumes the streams it lost). */
function preferring<T>(items: T[], preferred: (item: T) => boolean, pick: number): T | undefined {
  const first = items.filter(preferred);
  const among = first.length > 0 ? first : items;
  return among.length === 0 ? undefined : among[pick % among.length];
}

interface ResumeTarget {
  session: SessionRef | undefined;
  lastEventId: string;
  /** The call whose stream the id names. */
  call?: CallRef;
}

/**
 * A call's stream (its last event id; its first: stale; or a sequence it never gave), the GET
 * stream of a session, or an id that is not the session's: a stream never given, another
 * session's, garbage.
 */
function resumeTarget(world: World, index: number, kind: ResumeKind, pick: number): ResumeTarget {
  if (kind === 'call' || kind === 'stale' || kind === 'never-given') {
    const streamed = world.calls.filter((call) => call.session !== undefined && call.req.eventIds.length > 0);
    const call = preferring(streamed, (one) => one.holder.hungUp, pick);
    if (call !== undefined) {
      const ids = [...call.req.eventIds, ...call.resumes.flatMap((req) => req.eventIds)];
      const streamId = ids[0].slice(0, ids[0].lastIndexOf('.'));
      const lastEventId = kind === 'call' ? ids.at(-1)! : kind === 'stale' ? ids[0] : `${streamId}.${NEVER_GIVEN[pick % NEVER_GIVEN.length]}`;
      return { session: call.session, lastEventId, call };
    }
  }
  if (kind === 'get') {
    const gets = world.streams.filter((stream) => stream.session !== undefined && stream.resumed === undefined && stream.req.eventIds.length > 0);
    const get = preferring(gets, (one) => one.req.hungUp, pick);
    if (get !== undefined) return { session: get.session, lastEventId: get.req.eventIds.at(-1)! };
  }
  const session = world.session(index);
  if (kind === 'garbage') return { session, lastEventId: GARBAGE_IDS[pick % GARBAGE_IDS.length] };
  if (kind === 'other-session') {
    const others = world.calls.filter((other) => other.session !== undefined && other.session !== session && other.req.eventIds.length > 0);
    if (others.length > 0) return { session, lastEventId: others[pick % others.length].req.eventIds[0] };
  }
  return { session, lastEventId: `${randomUUID()}.1` };
}

/** A GET with Last-Event-ID: a call's stream, the GET stream, or an id that is not the session's. */
export function resume(index: number, kind: ResumeKind, pick: number, late: boolean): Command {
  return command(`resume(${kind} ${pick}, else session ${index}${late ? ', late edge' : ''})`, async (world) => {
    const { session, lastEventId: id, call } = resumeTarget(world, index, kind, pick);
    if (session === undefined) return;
    const req = world.send(`resume ${JSON.stringify(id)} in ${session.id}`, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'last-event-id': id, ...auth(session.owner, late), ...sessionHeaders(session) },
    });
    await req.until('answer', () => req.status !== undefined);
    if (req.settled) assertAnswered(req);
    if (req.status === 200) {
      // Ids the session's streams never gave are never resumed: another session's, forged ones.
      assert.ok(kind === 'call' || kind === 'stale' || kind === 'get', `resumed an id that is not this session's: ${req.describe()}`);
      if (call !== undefined) {
        call.holder = req;
        call.resumes.push(req);
        call.leftWhileRunning = false;
      }
    } else {
      // 400: an id this live session cannot resume from (the session goes on); 404: the session
      // is gone, and only then (a client told 404 starts another session).
      assert.ok([400, 404, 503].includes(req.status!), req.describe());
      await req.ended();
      if (req.status === 400) assert.ok(!session.deleted, `a deleted session answered 400, not 404: ${req.describe()}`);
      if (req.status === 404) assert.equal(req.messages[0]?.error?.code, -32001, `404 is for a session gone: ${req.describe()}`);
    }
    world.streams.push({ req, kind: 'resume', session, resumed: req.status === 200 ? call : undefined });
  });
}

/** A modern subscriptions/listen: a stream of list changes, open until the client leaves or the server closes. */
export function listen(caller: Principal, late: boolean): Command {
  return command(`listen(${caller}${late ? ', late edge' : ''})`, async (world) => {
    const params = { notifications: { toolsListChanged: true }, _meta: MODERN_META };
    const req = world.send(`listen ${caller}`, {
      method: 'POST',
      headers: { ...POST_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen', ...auth(caller, late) },
      body: JSON.stringify({ jsonrpc: '2.0', id: world.nextId(), method: 'subscriptions/listen', params }),
    });
    await req.until('be acknowledged', () => req.messages.length > 0);
    if (req.settled) assertAnswered(req);
    assert.ok(req.status === 200 || req.status === 503, req.describe());
    world.streams.push({ req, kind: 'listen', session: undefined, resumed: undefined });
  });
}

/** Opens a session's GET stream, as its owner or a stranger. */
export function openGet(index: number, stranger: boolean): Command {
  return command(`openGet(session ${index}${stranger ? ' as a stranger' : ''})`, async (world) => {
    const session = world.session(index);
    const caller = session === undefined ? 'alice' : stranger ? otherThan(session.owner) : session.owner;
    const req = world.send(`GET stream of ${session?.id ?? 'no session'}`, { method: 'GET', headers: { accept: 'text/event-stream', ...auth(caller, false), ...sessionHeaders(session) } });
    await req.until('answer', () => req.status !== undefined);
    if (req.settled) assertAnswered(req);
    // 409: the session's GET stream is open already.
    assert.ok([200, 404, 409, 503].includes(req.status!), req.describe());
    if (session === undefined || session.deleted || stranger) assert.ok(req.status === 404 || req.status === 503, req.describe());
    world.streams.push({ req, kind: 'get', session, resumed: undefined });
  });
}

export function closeStream(index: number): Command {
  return command(`closeStream(${index})`, async (world) => {
    const stream = world.stream(index);
    if (stream !== undefined) await world.leave(stream.req);
  });
}
