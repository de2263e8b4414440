/**
 * Resuming on another process the edges of a stream's life in Redis: an event its writer
 * delivered but never stored before it died, and a stream whose registration has not reached
 * Redis yet when its client comes back. The writer reaches Redis through a TCP gate that holds
 * its commands from a chosen one on, as a slow or broken link does; the other process reaches
 * Redis directly.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { MAX_RESUME_WAITS_PER_CLIENT, WRITER_LOST } from '../../src/transport/http/stream-relay.ts';
import type { RunningServer } from '../helpers/processes.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { eventually, modern, openLegacySession, resume, sessionHeaders, startReplicas, streaming } from '../helpers/scale.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { startTcpGate, type TcpGate } from '../helpers/tcp-gate.ts';

/** A writer `a` behind a gate, another process `b`, on one Redis, and a client watching Redis. */
async function withGatedWriter(
  env: Record<string, string>,
  test: (a: string, b: RunningServer, gate: TcpGate, watcher: Redis, writer: RunningServer) => Promise<void>,
  envOfB = env,
): Promise<void> {
  const redis = await RedisServer.start();
  const gate = await startTcpGate(redis.port);
  let replicas: RunningServer[] = [];
  const watcher = new Redis(redis.url);
  try {
    replicas = [...(await startReplicas(1, gate.url, env)), ...(await startReplicas(1, redis.url, envOfB))];
    await loadScripts(replicas[0].url, replicas[1].url, watcher);
    await test(replicas[0].url, replicas[1], gate, watcher, replicas[0]);
  } finally {
    watcher.disconnect();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await gate.close();
    await redis.stop();
  }
}

/**
 * Has the stores' scripts loaded in Redis, by a stream written on `a` and resumed on `b`: a
 * script Redis does not know yet is sent again in full after the first attempt, and a command
 * held in the gate would hold that second attempt too.
 */
async function loadScripts(a: string, b: string, watcher: Redis): Promise<void> {
  const sessionId = await openLegacySession(a);
  const get = new SseReader(await fetch(a, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } }));
  await get.next();
  await modern(b, 1, 'tools/call', { name: 'add_tool', arguments: { name: `tool_${randomUUID().slice(0, 8)}` } });
  const changed = await get.next();
  await get.cancel();
  const streamId = changed!.id!.slice(0, changed!.id!.lastIndexOf('.'));
  await eventually('the event to be stored', async () => ((await watcher.exists(`mcp-core:events:${streamId}`)) === 1 ? true : undefined));
  await (await resume(b, sessionId, changed!.id!)).cancel();
  assert.equal((await fetch(a, { method: 'DELETE', headers: sessionHeaders(sessionId) })).status, 200);
}

/**
 * A call on `a` whose progress (event 2) `a` delivered but never stored: its Redis commands are
 * held from that append on, then `a` is killed (the client's connection is cut with it).
 */
async function unstoredProgress(a: string, gate: TcpGate, watcher: Redis, writer: RunningServer) {
  const sessionId = await openLegacySession(a);
  // The stream's registration reaches Redis; its first stored event (the progress) never does.
  gate.holdFrom('mcp-core:events:');
  const call = await streaming(a, sessionId, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'hold', arguments: {}, _meta: { progressToken: 'p' } } });
  const priming = await call.next();
  const progress = await call.next();
  assert.equal(JSON.parse(progress!.data).method, 'notifications/progress');
  const streamId = priming!.id!.slice(0, priming!.id!.lastIndexOf('.'));
  assert.equal(progress!.id, `${streamId}.2`);
  // Its registration went out before the priming event (it may still be in the gate's hands).
  const writerId = await eventually('the stream to be registered', async () => (await watcher.hget(`mcp-core:stream:${streamId}`, 'writer')) ?? undefined);
  assert.equal(await watcher.exists(`mcp-core:events:${streamId}`), 0, 'the progress was never stored');
  const killed = new Promise((resolve) => writer.process.once('exit', resolve));
  writer.process.kill('SIGKILL');
  await killed;
  await call.cancel();
  return { sessionId, streamId, progressId: progress!.id!, writerId };
}

/** GET with Last-Event-ID, answered whatever its status. */
function resuming(url: string, sessionId: string, lastEventId: string, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { headers: { accept: 'text/event-stream', 'last-event-id': lastEventId, ...sessionHeaders(sessionId) }, signal });
}

/** Resolves once Redis has run `count` commands naming `text` (MONITOR, on a connection of its own). */
async function commandsNaming(watcher: Redis, texts: readonly string[], count: number): Promise<{ seen: Promise<void>; stop: () => void }> {
  const monitor = await watcher.monitor();
  const counts = new Map<string, number>(texts.map((text) => [text, 0]));
  let done!: () => void;
  const seen = new Promise<void>((resolve) => (done = resolve));
  monitor.on('monitor', (_time: string, args: string[]) => {
    for (const text of texts) if (args.some((arg) => arg.includes(text))) counts.set(text, counts.get(text)! + 1);
    if ([...counts.values()].every((n) => n >= count)) done();
  });
  return { seen, stop: () => monitor.disconnect() };
}

describe('scale-out: resuming on another process at the edges of a stream', { skip: REDIS_MISSING }, () => {
  it('regression: an event its dead writer delivered but never stored resumes on another process into the error for the call, not 404', async () => {
    // A short lease: the writer is known dead soon after it is killed.
    await withGatedWriter({ MCP__STORE__REDIS__LEASEMS: '1500' }, async (a, b, gate, watcher, writer) => {
      const { sessionId, streamId, progressId, writerId } = await unstoredProgress(a, gate, watcher, writer);
      await eventually("the writer's lease to lapse", async () => ((await watcher.exists(`mcp-core:lease:${writerId}`)) === 0 ? true : undefined));

      // Event 2 is past what is stored (the priming event, never stored): the stream is taken
      // over from it, and the call gets the error it would have had from a stored id.
      const resumed = await resume(b.url, sessionId, progressId);
      const rest = await resumed.rest();
      assert.equal(rest.length, 1, JSON.stringify(rest));
      assert.equal(rest[0].id, 7);
      assert.equal(rest[0].error.message, WRITER_LOST);
      // The error is stored and the stream ended: a later sequence is one it never gave.
      const beyond = await resuming(b.url, sessionId, `${streamId}.9`);
      assert.equal(beyond.status, 404);
      await beyond.body?.cancel();
      const again = await resume(b.url, sessionId, progressId);
      const replayed = await again.rest();
      assert.equal(replayed.length, 1);
      assert.equal(replayed[0].error.message, WRITER_LOST, 'the error is had again from the id the client holds');
    });
  });

  it('an event its writer delivered but never stored, resumed on another process while the dead writer still holds its lease: the wait for it ends in the error for the call once the lease lapsed', async () => {
    // The writer's lease (renewed no more once its commands are held) lapses well within the
    // other process's wait for the event.
    const a = { MCP__STORE__REDIS__LEASEMS: '2000' };
    const b = { MCP__STORE__REDIS__LEASEMS: '2000', MCP__STORE__REDIS__COMMANDTIMEOUTMS: '8000' };
    await withGatedWriter(
      a,
      async (url, other, gate, watcher, writer) => {
        const { sessionId, progressId } = await unstoredProgress(url, gate, watcher, writer);
        const rest = await (await resume(other.url, sessionId, progressId)).rest();
        assert.equal(rest.length, 1, JSON.stringify(rest));
        assert.equal(rest[0].id, 7);
        assert.equal(rest[0].error.message, WRITER_LOST);
      },
      b,
    );
  });

  it('regression: a stream resumed on another process before its registration reached Redis is waited for, not refused with 404', async () => {
    await withGatedWriter({ MCP__STORE__REDIS__COMMANDTIMEOUTMS: '10000' }, async (a, b, gate, watcher) => {
      const sessionId = await openLegacySession(a);
      // The GET stream's registration waits in the gate; its priming event goes out meanwhile.
      gate.holdFrom('mcp-core:stream:');
      const get = new SseReader(await fetch(a, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } }));
      const priming = await get.next();
      assert.ok(priming?.id !== undefined, 'the GET stream is primed');
      await get.cancel();
      const streamId = priming.id.slice(0, priming.id.lastIndexOf('.'));
      assert.equal(await watcher.exists(`mcp-core:stream:${streamId}`), 0, 'not registered yet');
      // b looks the stream up; only then does the registration go on its way.
      const looked = await commandsNaming(watcher, [`mcp-core:stream:${streamId}`], 1);
      try {
        const answer = resuming(b.url, sessionId, priming.id);
        await looked.seen;
        gate.release();
        const resumed = await answer;
        assert.equal(resumed.status, 200, 'the id its writer gave is resumable');
        await resumed.body?.cancel();
      } finally {
        looked.stop();
      }
    });
  });

  it('a stream id of the shape the server mints that no stream has is refused once the wait for its registration is over, and a client has a bounded number of such waits at once', async () => {
    const redis = await RedisServer.start();
    const [a] = await startReplicas(1, redis.url, { MCP__STORE__REDIS__COMMANDTIMEOUTMS: '5000' });
    const watcher = new Redis(redis.url);
    const hanging = new AbortController();
    try {
      const sessionId = await openLegacySession(a.url);
      const forged = Array.from({ length: MAX_RESUME_WAITS_PER_CLIENT }, () => randomUUID());
      // Each forged stream is looked up again while it is waited for (3 commands: a script Redis
      // did not know yet is sent twice).
      const looked = await commandsNaming(watcher, forged.map((id) => `mcp-core:stream:${id}`), 3);
      let settled = 0;
      const waits = forged.map((id) =>
        resuming(a.url, sessionId, `${id}.1`, hanging.signal).then(
          async (response) => {
            settled++;
            await response.body?.cancel();
            return response.status;
          },
          () => 'aborted',
        ),
      );
      try {
        // Before the fix, every forged id was refused at once.
        await Promise.race([looked.seen, Promise.all(waits)]);
      } finally {
        looked.stop();
      }
      // One more, from the same client, is decided at once on what Redis holds.
      const extra = await resuming(a.url, sessionId, `${randomUUID()}.1`);
      assert.equal(extra.status, 404);
      await extra.body?.cancel();
      assert.equal(settled, 0, 'the others still wait (5 s at most)');
      assert.deepEqual(await Promise.all(waits), forged.map(() => 404), 'refused once the wait is over');
    } finally {
      hanging.abort();
      watcher.disconnect();
      await a.stop();
      await redis.stop();
    }
  });
});
