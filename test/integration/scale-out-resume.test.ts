/**
 * Resuming on another process the edges of a stream's life in Redis: an event its writer
 * delivered but never stored before it died (before and after its lease lapsed, by hand and by
 * mcp-core's client behind a front that sends it elsewhere once the writer died), and a stream
 * whose registration has not reached Redis yet when its client comes back; a session's GET
 * stream taken over once its killed writer's lease lapsed. The writer reaches Redis through a
 * TCP gate that holds its commands from a chosen one on, as a slow or broken link does; the
 * other process reaches Redis directly.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { McpClient } from '../../src/client/client.ts';
import { McpError } from '../../src/protocol/wire-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { MAX_RESUME_WAITS_PER_CLIENT, WRITER_LOST } from '../../src/transport/http/stream-relay.ts';
import { startFaultyFront } from '../helpers/faulty-front.ts';
import type { RunningServer } from '../helpers/processes.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { eventually, inSession, modern, openLegacySession, resume, sessionHeaders, startReplicas, streaming } from '../helpers/scale.ts';
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
      assert.equal(beyond.status, 400);
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

  it('regression: an event its dead writer delivered but never stored, resumed on another process while the writer still holds its lease, is answered 503 with Retry-After (the lease left), not 404 (session gone); once the lease lapsed, with the error for the call', async () => {
    // The writer's lease (renewed no more once its commands are held) outlasts the other
    // process's wait for the event (500 ms).
    await withGatedWriter(
      { MCP__STORE__REDIS__LEASEMS: '6000' },
      async (a, b, gate, watcher, writer) => {
        const { sessionId, progressId, writerId } = await unstoredProgress(a, gate, watcher, writer);
        const leaseLeft = await watcher.pttl(`mcp-core:lease:${writerId}`);
        assert.ok(leaseLeft > 1500, `the lease still holds (${leaseLeft} ms left)`);
        const refused = await resuming(b.url, sessionId, progressId);
        const body = (await refused.json()) as { error: { code: number; message: string; data: { reason: string; retryAfterMs: number } } };
        assert.equal(refused.status, 503, JSON.stringify(body));
        const retryAfter = Number(refused.headers.get('retry-after'));
        assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= Math.ceil(leaseLeft / 1000), `Retry-After: ${retryAfter} s, lease left ${leaseLeft} ms`);
        assert.equal(body.error.code, -32000);
        assert.match(body.error.message, /^Service Unavailable: .*writer may have stopped/);
        assert.equal(body.error.data.reason, 'writer_lease');
        assert.ok(body.error.data.retryAfterMs <= leaseLeft && Math.ceil(body.error.data.retryAfterMs / 1000) === retryAfter, JSON.stringify(body.error.data));
        assert.equal((await inSession(b.url, sessionId, 8, 'ping')).status, 200, 'the session goes on');
        // Back when told: the lease lapsed, the stream is taken over, the call gets its error.
        await sleep(retryAfter * 1000);
        const rest = await (await resume(b.url, sessionId, progressId)).rest();
        assert.equal(rest.length, 1, JSON.stringify(rest));
        assert.equal(rest[0].id, 7);
        assert.equal(rest[0].error.message, WRITER_LOST);
      },
      { MCP__STORE__REDIS__COMMANDTIMEOUTMS: '500' },
    );
  });

  it("regression: a sequence a live writer never gave, resumed on another process whose wait for the event is shorter than the writer's lease renewals, is refused with 400 once the writer renewed (it was 503, again each time while the writer lived; then 404, which tells a client its session is gone)", async () => {
    // The writer renews its lease every 2 s; the other process waits 500 ms for an event.
    await withGatedWriter(
      { MCP__STORE__REDIS__LEASEMS: '6000' },
      async (a, b) => {
        const sessionId = await openLegacySession(a);
        const get = new SseReader(await fetch(a, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } }));
        const priming = await get.next();
        assert.ok(priming?.id !== undefined, 'the GET stream is primed');
        const streamId = priming.id.slice(0, priming.id.lastIndexOf('.'));
        const started = Date.now();
        const forged = await resuming(b.url, sessionId, `${streamId}.2`);
        const waited = Date.now() - started;
        const body = (await forged.json()) as { error: { code: number; message: string } };
        assert.equal(forged.status, 400, JSON.stringify(body));
        assert.deepEqual(body.error, { code: -32000, message: 'Bad Request: unknown Last-Event-ID' });
        // Decided by the writer's next renewal: within half its lease (3 s), never the lease.
        assert.ok(waited < 5000, `answered after ${waited} ms`);
        // The stream goes on: the id it gave resumes it on the other process.
        const resumed = await resume(b.url, sessionId, priming.id);
        await resumed.cancel();
        await get.cancel();
        assert.equal((await inSession(b.url, sessionId, 2, 'ping')).status, 200, 'the session goes on');
      },
      { MCP__STORE__REDIS__COMMANDTIMEOUTMS: '500' },
    );
  });

  it("mcp-core's client: a call whose writer was killed with an event unstored waits out the 503's Retry-After on another process and ends with the call's error, in the same session", async () => {
    await withGatedWriter(
      { MCP__STORE__REDIS__LEASEMS: '6000' },
      async (a, b, gate, _watcher, writer) => {
        // A load balancer: everything to the writer until it died, then to the other process.
        const front = await startFaultyFront(a);
        let writerDead = false;
        front.decide = () => (writerDead ? { kind: 'pass', to: b.url } : { kind: 'pass' });
        const transport = new StreamableHttpClientTransport(front.url);
        const client = new McpClient({ name: 'resume', version: '1.0.0', era: 'legacy' });
        try {
          await client.connect(transport);
          const sessionId = transport.sessionId;
          gate.holdFrom('mcp-core:events:');
          let progressed!: () => void;
          const progress = new Promise<void>((resolve) => (progressed = resolve));
          const outcome = client.callTool('hold', {}, { onProgress: () => progressed() }).then(
            () => new Error('hold answered'),
            (error: unknown) => error,
          );
          await progress;
          writerDead = true;
          const killed = new Promise((resolve) => writer.process.once('exit', resolve));
          writer.process.kill('SIGKILL');
          await killed;

          const error = await outcome;
          assert.ok(error instanceof McpError, String(error));
          assert.equal(error.code, -32603);
          assert.equal(error.message, WRITER_LOST);
          const resumptions = front.seen.filter((request) => request.method === 'GET' && String(request.headers['last-event-id']).endsWith('.2'));
          assert.deepEqual(
            resumptions.map((request) => request.answer?.status),
            [503, 200],
            'refused while the lease held, taken over once it lapsed',
          );
          const [refused, served] = resumptions;
          const waited = served.at - refused.answer!.at;
          assert.ok(waited >= Number(refused.answer!.retryAfter) * 1000 - 50, `asked again ${waited} ms after a Retry-After of ${refused.answer!.retryAfter} s`);
          // No session was lost: the same one goes on, never initialized again.
          assert.equal(transport.sessionId, sessionId);
          await client.ping();
          assert.equal(front.seen.filter((request) => request.rpcMethod === 'initialize').length, 1);
        } finally {
          await client.close();
          await front.close();
        }
      },
      { MCP__STORE__REDIS__COMMANDTIMEOUTMS: '500' },
    );
  });

  it("mcp-core's client: a live writer's stream cut on its way resumes on another process as before, with every event and the result", async () => {
    const redis = await RedisServer.start();
    const replicas = await startReplicas(2, redis.url);
    const [a, b] = replicas;
    const front = await startFaultyFront(a.url);
    // The call's answer is cut after a few events; its resumption goes to the other process.
    front.decide = (request) => {
      if (request.rpcMethod === 'tools/call') return { kind: 'cut', afterChunks: 3 };
      return request.headers['last-event-id'] === undefined ? { kind: 'pass' } : { kind: 'pass', to: b.url };
    };
    const client = new McpClient({ name: 'resume', version: '1.0.0', era: 'legacy' });
    try {
      await client.connect(new StreamableHttpClientTransport(front.url));
      const progress: number[] = [];
      const result = await client.callTool('sleep', { ms: 1500 }, { onProgress: ({ progress: step }) => progress.push(step) });
      assert.deepEqual(result.content, [{ type: 'text', text: 'slept 1500 ms' }]);
      assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'every progress notification, once, in order');
      const resumptions = front.seen.filter((request) => request.headers['last-event-id'] !== undefined);
      assert.deepEqual(
        resumptions.map((request) => request.answer?.status),
        [200],
        'resumed at once: the writer is alive',
      );
    } finally {
      await client.close();
      await front.close();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
    }
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
      assert.equal(extra.status, 400);
      await extra.body?.cancel();
      assert.equal(settled, 0, 'the others still wait (5 s at most)');
      assert.deepEqual(await Promise.all(waits), forged.map(() => 400), 'refused once the wait is over');
    } finally {
      hanging.abort();
      watcher.disconnect();
      await a.stop();
      await redis.stop();
    }
  });

  it("regression: a session's GET stream whose writer was killed is taken over by the process it resumes on, tells of the lists and subscribed resources that may have changed while nobody wrote it (a change then was never told), and carries the session's later notifications", async () => {
    const redis = await RedisServer.start();
    // A short lease, so that the killed writer is known dead within seconds.
    const replicas = await startReplicas(2, redis.url, { MCP__STORE__REDIS__LEASEMS: '1500' });
    const [a, b] = replicas;
    const watcher = new Redis(redis.url);
    try {
      const sessionId = await openLegacySession(a.url);
      assert.equal((await inSession(a.url, sessionId, 1, 'resources/subscribe', { uri: 'demo://readme' })).status, 200);
      const get = new SseReader(await fetch(a.url, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } }));
      await get.next();
      await modern(b.url, 1, 'tools/call', { name: 'add_tool', arguments: { name: 'first' } });
      const changed = (await get.next())!;
      assert.equal(JSON.parse(changed.data).method, 'notifications/tools/list_changed');
      const streamId = changed.id!.slice(0, changed.id!.lastIndexOf('.'));
      await eventually('the event to be stored', async () => ((await watcher.exists(`mcp-core:events:${streamId}`)) === 1 ? true : undefined));
      const writer = await watcher.hget(`mcp-core:stream:${streamId}`, 'writer');
      const killed = new Promise((resolve) => a.process.once('exit', resolve));
      a.process.kill('SIGKILL');
      await killed;
      await get.cancel();
      // Relayed while the dead writer's lease holds, then taken over: its writer is now b.
      const resumed = await resume(b.url, sessionId, changed.id!);
      const sequence = (id: string) => Number(id.slice(streamId.length + 1));
      /** The next message of the resumed stream, on the same stream, after `after`. */
      const next = async (after: string) => {
        let event = (await resumed.next())!;
        while (event.data === '') event = (await resumed.next())!;
        assert.ok(event.id!.startsWith(`${streamId}.`) && sequence(event.id!) > sequence(after), `${event.id} goes on the same stream, after ${after}`);
        return event;
      };
      try {
        // A change while nobody writes the stream: its notification has no live writer to go out on.
        await modern(b.url, 2, 'tools/call', { name: 'add_tool', arguments: { name: 'during' } });
        await eventually('the stream to be taken over', async () => {
          const now = await watcher.hget(`mcp-core:stream:${streamId}`, 'writer');
          return now !== null && now !== writer ? now : undefined;
        });
        // Taken over, the stream tells of every list (the demo has all three) and every resource
        // the session subscribed to that may have changed meanwhile.
        const caughtUp: string[] = [];
        let last = changed.id!;
        for (let i = 0; i < 4; i++) {
          const event = await next(last);
          const { method, params } = JSON.parse(event.data);
          caughtUp.push(params?.uri === undefined ? method : `${method} ${params.uri}`);
          last = event.id!;
        }
        assert.deepEqual(caughtUp.sort(), [
          'notifications/prompts/list_changed',
          'notifications/resources/list_changed',
          'notifications/resources/updated demo://readme',
          'notifications/tools/list_changed',
        ]);
        const listed = await inSession(b.url, sessionId, 3, 'tools/list');
        assert.ok(listed.json.result.tools.some((tool: { name: string }) => tool.name === 'during'), 'the change it stands for');
        // And the session's later changes come on it.
        await modern(b.url, 4, 'tools/call', { name: 'add_tool', arguments: { name: 'after' } });
        assert.equal(JSON.parse((await next(last)).data).method, 'notifications/tools/list_changed');
      } finally {
        await resumed.cancel();
      }
    } finally {
      watcher.disconnect();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
    }
  });

  it('regression: a session deleted while its resumption waits on Redis is answered 404 (-32001, the session gone), not 400 as a live one', async () => {
    const redis = await RedisServer.start();
    const [a] = await startReplicas(1, redis.url, { MCP__STORE__REDIS__COMMANDTIMEOUTMS: '3000' });
    const watcher = new Redis(redis.url);
    try {
      const sessionId = await openLegacySession(a.url);
      const forged = randomUUID();
      const looked = await commandsNaming(watcher, [`mcp-core:stream:${forged}`], 1);
      const answer = resuming(a.url, sessionId, `${forged}.1`);
      try {
        await looked.seen;
      } finally {
        looked.stop();
      }
      assert.equal((await fetch(a.url, { method: 'DELETE', headers: sessionHeaders(sessionId) })).status, 200);
      const gone = await answer;
      const body = (await gone.json()) as { error: { code: number } };
      assert.equal(gone.status, 404, JSON.stringify(body));
      assert.equal(body.error.code, -32001);
    } finally {
      watcher.disconnect();
      await a.stop();
      await redis.stop();
    }
  });
});
