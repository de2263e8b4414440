/**
 * Fuzzing the Streamable HTTP endpoint's lifecycle, model-based: sequences of client actions,
 * ordinary and hostile, against a real server on 127.0.0.1 (both faces): sessions opened and
 * deleted (twice, by a stranger, while calls run), calls that wait at a gate (with progress, a
 * question to the client, closing their stream for the client to poll, as tasks), clients that
 * hang up mid-body, mid-call or mid-stream, streams opened, closed and resumed with valid,
 * stale, never-given, forged or another session's Last-Event-ID, subscriptions/listen streams,
 * list changes, cancellations, malformed and oversized bodies, and a shutdown (close, then
 * drain) at the end.
 *
 * After each action a legacy work still running holds its in-flight share. After each
 * sequence the gate opens and the case settles; then what must always hold: every request the
 * client did not leave got exactly one answer (one left behind is had by resuming the stream),
 * never a hang (every wait is bounded); the works all finished; once the remaining sessions
 * are deleted, every stream still held has ended and nothing of any session is left (streams,
 * stored events, sessions and listeners known to the change notifier, keep-alive, in-flight
 * shares); the server reported no error; and once the server is closed the process holds no
 * more handles than before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { MemoryEventStore } from '../../src/store/event-store.ts';
import type { MemorySessionStore } from '../../src/store/session-store.ts';
import { keptAlive } from '../../src/transport/http/keep-alive.ts';
import { bearerEdge } from '../helpers/edge-server.ts';
import { FACES, type Face } from '../helpers/faces.ts';
import { commands, initializeCommand, MAX_BODY_BYTES } from './support/lifecycle-commands.ts';
import { lifecycleServer, TagGate } from './support/lifecycle-server.ts';
import { auth, checkCall, checkStream, modernCall, POST_HEADERS, sessionHeaders, World, type CallRef } from './support/lifecycle-world.ts';
import { eventually, WAIT_MS } from './support/live-request.ts';
import { fuzzParameters } from './support/runs.ts';

/** Handles and requests the process holds, by kind (ref'd timers included). */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function noMoreThan(now: Map<string, number>, before: Map<string, number>): boolean {
  for (const [kind, count] of now) if (count > (before.get(kind) ?? 0)) return false;
  return true;
}

async function bounded(promise: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: ${what} within ${WAIT_MS} ms`)), WAIT_MS)));
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A legacy call whose stream the server closed before the answer (SEP-1699), or whose client
 * left while its work ran, has its answer waiting: the client comes back with the last event
 * id it saw and gets it. Nothing is due for a cancelled call or in a deleted session.
 */
async function resumeLost(world: World, call: CallRef, evictable: boolean): Promise<void> {
  const session = call.session;
  if (call.kind !== 'legacy' || call.cancelled || session === undefined || session.deleted) return;
  const holder = call.holder;
  if (!(holder.hungUp ? call.leftWhileRunning : holder.polled)) return;
  const ids = [call.req, ...call.resumes].flatMap((req) => req.eventIds);
  if (ids.length === 0) {
    assert.ok(holder.hungUp, `lost answer: the server closed the stream of ${holder.describe()} before it sent an event id to resume it with`);
    return;
  }
  const resumed = await world.exchange(`resume ${ids.at(-1)} (at the end)`, {
    method: 'GET',
    headers: { accept: 'text/event-stream', 'last-event-id': ids.at(-1)!, ...auth(session.owner, false), ...sessionHeaders(session) },
  });
  // With a small quota the session may have made room for a newer one of its client.
  if (evictable && resumed.status === 404 && resumed.messages[0]?.error?.code === -32001) return;
  assert.equal(resumed.status, 200, `the answer of ${call.req.label} cannot be resumed: ${resumed.describe()}`);
  call.resumes.push(resumed);
  call.holder = resumed;
}

/** The end of a case: a drain if asked, the gate opened, every answer in; then the invariants. */
async function settle(world: World, drain: boolean, evictable: boolean): Promise<void> {
  const { transport, gate } = world;
  let drained: Promise<void> | undefined;
  if (drain) {
    // As a shutdown does: the server closes (listen streams end with their answer), then drains.
    world.server.close();
    drained = transport.drain();
    const { headers, body } = modernCall(world.nextId(), 'whoami', {});
    const refused = await world.exchange('a call while draining', { method: 'POST', headers: { ...POST_HEADERS, ...headers, ...auth('alice', false) }, body });
    assert.equal(refused.status, 503, refused.describe());
  }
  gate.open();
  for (const call of world.calls) for (const req of [call.req, ...call.resumes]) await req.ended();
  if (drained !== undefined) await bounded(drained, 'the drain to end once every call was answered');
  await eventually('every work to finish', () => gate.running.size === 0 && world.server.core.tasks.runningCount === 0);
  // A client comes back for the answers it lost or was told to poll for, while the server
  // drains too (Last-Event-ID is let through; a new stream is not).
  for (const call of world.calls) await resumeLost(world, call, evictable);
  for (const call of world.calls) checkCall(call);

  const live = world.sessions.filter((session) => !session.deleted);
  // With a small quota a client's new session may have replaced an idle one of its own.
  if (!evictable) assert.equal(transport.sessions!.size, live.length, 'the sessions not deleted are kept, and only they');
  for (const session of live) {
    const deleted = await world.exchange(`DELETE ${session.id} (at the end)`, { method: 'DELETE', headers: { ...auth(session.owner, false), ...sessionHeaders(session) } });
    assert.ok(deleted.status === 200 || (evictable && deleted.status === 404), deleted.describe());
    session.deleted = true;
  }
  // A listen stream lasts until its client leaves or the server closes: this client leaves.
  if (!drain) for (const stream of world.streams) if (stream.kind === 'listen') await world.leave(stream.req);
  // Every other stream the client still holds belonged to a session now gone: each has ended.
  for (const stream of world.streams) await stream.req.ended();
  for (const stream of world.streams) checkStream(stream, drain);
  // Quiescence: what the last works' answers let go of is let go of within a few turns.
  const store = transport.sessions as MemorySessionStore;
  const left = () => ({
    inflightRequests: transport.inflight.requests,
    inflightBytes: transport.inflight.bytes,
    sessions: store.size,
    sessionsOfAlice: store.countOf('alice'),
    sessionsOfBob: store.countOf('bob'),
    inflightClients: transport.inflight.clients,
    retainedStreams: transport.retainedStreams,
    openStreams: transport.openStreams,
    storedStreams: world.events.size,
    notifiedSessions: world.server.core.notifier.sessionCount,
    listeners: world.server.core.notifier.listenerCount,
    keptAlive: keptAlive(),
  });
  const nothing = { inflightRequests: 0, inflightBytes: 0, sessions: 0, sessionsOfAlice: 0, sessionsOfBob: 0, inflightClients: 0, retainedStreams: 0, openStreams: 0, storedStreams: 0, notifiedSessions: 0, listeners: 0, keptAlive: 0 };
  await eventually('nothing to be left', () => {
    transport.inflight.sweep();
    return isDeepStrictEqual(left(), nothing);
  }).catch(() => assert.deepEqual(left(), nothing, 'nothing of a deleted session is left'));
  assert.deepEqual(world.errors, [], 'the server reported no error');
}

type Command = fc.AsyncCommand<World, World>;

async function runCase(face: Face, sessions: Command[], sequence: Iterable<Command>, drain: boolean, quota: number): Promise<void> {
  const before = resources();
  const gate = new TagGate();
  const errors: string[] = [];
  const server = lifecycleServer(gate, (error, { method }) => errors.push(`${method}: ${(error as Error)?.stack ?? String(error)}`));
  const events = new MemoryEventStore();
  const served = await face.serve(server, {
    edge: bearerEdge,
    eventStore: events,
    maxBodyBytes: MAX_BODY_BYTES,
    inflight: { maxRequestsPerClient: 16 },
    sessions: { maxSessionsPerClient: quota },
  });
  const world = new World({ url: served.url, transport: served.transport, server, gate, events, errors });
  try {
    for (const initialize of sessions) await initialize.run(world, world);
    await fc.asyncModelRun(() => ({ model: world, real: world }), sequence);
    await settle(world, drain, quota < 1000);
  } finally {
    gate.open();
    for (const req of world.all) req.hangUp();
    server.close();
    await served.close();
  }
  await eventually('the process to hold no more handles than before the case', () => noMoreThan(resources(), before));
}

for (const face of FACES) {
  describe(`fuzz: HTTP lifecycle, ${face.name} face`, () => {
    it('answers every request once, never hangs, and leaves nothing behind, whatever the client does', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(initializeCommand, { minLength: 1, maxLength: 3 }),
          fc.commands(commands, { maxCommands: 30, size: 'large' }),
          fc.boolean(),
          fc.constantFrom(3, 1000),
          (sessions, sequence, drain, quota) => runCase(face, sessions, sequence, drain, quota),
        ),
        // A case is up to 30 real HTTP exchanges and a server of its own (about 80 ms): a
        // tenth of FUZZ_RUNS keeps a long run of this target as long as the others'.
        fuzzParameters(`HTTP lifecycle, ${face.name} face`, 20, 0.1),
      );
    });
  });
}
