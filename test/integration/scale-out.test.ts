/**
 * Scale-out on Redis: three `mcp-core serve` processes share one real redis-server and the test
 * spreads its requests over them round-robin, as a load balancer without sticky sessions would.
 * Sessions, SSE streams, notifications, server-to-client requests and tasks all work whichever
 * process a request reaches; a process killed with SIGKILL costs its clients a retry or a
 * resumption, never a task stuck "working"; Redis stopped and started again is survived.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RUNNER_LOST } from '../../src/store/redis/task-store.ts';
import { WRITER_LOST } from '../../src/transport/http/stream-relay.ts';
import { post, postFresh } from '../helpers/http.ts';
import { children, startDemoHttp, type RunningServer } from '../helpers/processes.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import {
  eventually,
  inSession,
  modern,
  openLegacySession,
  resume,
  sessionHeaders,
  startReplicas,
  streaming,
  TASKS_CAPABILITIES,
} from '../helpers/scale.ts';
import { SseReader } from '../helpers/sse-reader.ts';
import { startTcpGate } from '../helpers/tcp-gate.ts';

describe('scale-out: three processes on one Redis, requests spread round-robin', { skip: REDIS_MISSING }, () => {
  let redis: RedisServer;
  let replicas: RunningServer[];
  let turn = 0;
  /** The next process in turn, as a round-robin load balancer picks it. */
  const next = () => replicas[turn++ % replicas.length].url;

  before(async () => {
    redis = await RedisServer.start();
    // A short lease, so that a killed process is known dead within seconds.
    replicas = await startReplicas(3, redis.url, {
      MCP__STORE__REDIS__LEASEMS: '1500',
      MCP__METRICS__ENABLED: 'true',
      // One limit for every client on every process: `add` may be called 4 times in 10 minutes.
      // Counted on the stores' Redis: store.redis.url alone shares the counts.
      MCP__RATELIMITS__TOOLS: JSON.stringify({ add: { limit: 4, windowSeconds: 600, shared: true } }),
    });
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await redis.stop();
  });

  it('a legacy session opened on one process goes on on the others, and a DELETE through any ends it everywhere', async () => {
    const [a, b, c] = replicas.map((replica) => replica.url);
    const sessionId = await openLegacySession(a);
    for (let id = 1; id <= 6; id++) {
      const answer = await inSession(next(), sessionId, id, 'tools/call', { name: 'echo', arguments: { text: `call ${id}` } });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.result.content[0].text, `call ${id}`);
    }
    assert.equal((await inSession(b, sessionId, 7, 'logging/setLevel', { level: 'error' })).status, 200);
    // The GET stream, held by a: it ends when the session is deleted through c.
    const stream = await fetch(a, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } });
    assert.equal(stream.status, 200);
    const reader = new SseReader(stream);
    const deleted = await fetch(c, { method: 'DELETE', headers: sessionHeaders(sessionId) });
    assert.equal(deleted.status, 200);
    await reader.rest();
    assert.equal(reader.ended, true, 'the GET stream on another process ended');
    for (const url of [a, b, c]) {
      const after = await inSession(url, sessionId, 8, 'ping');
      assert.equal(after.status, 404, `${url}: ${after.text}`);
    }
  });

  it('an SSE stream cut on one process resumes on another with no event lost', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const sessionId = await openLegacySession(a);
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 1500 }, _meta: { progressToken: 'p' } } };
    const first = await streaming(a, sessionId, call);
    const progress: number[] = [];
    let lastEventId = '';
    while (progress.length < 2) {
      const event = await first.next();
      assert.ok(event !== undefined, 'the stream went on');
      if (event.id !== undefined) lastEventId = event.id;
      if (event.data !== '') progress.push(JSON.parse(event.data).params.progress);
    }
    // The client loses its connection; the call goes on in a.
    await first.cancel();
    const resumed = await resume(b, sessionId, lastEventId);
    const rest = await resumed.rest();
    const result = rest.pop();
    for (const notification of rest) progress.push(notification.params.progress);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'every progress notification, once, in order');
    assert.equal(result.id, 1);
    assert.equal(result.result.content[0].text, 'slept 1500 ms');
  });

  it('regression: a Last-Event-ID the stream never gave is refused on another process, and the stream stays resumable (one past its end made it forgotten with its answer)', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const sessionId = await openLegacySession(a);
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 500 }, _meta: { progressToken: 'p' } } };
    const first = await streaming(a, sessionId, call);
    let lastEventId = '';
    for (let event = await first.next(); event !== undefined; event = await first.next()) {
      if (event.id !== undefined) lastEventId = event.id;
      if (event.data !== '') break;
    }
    // The client leaves after the first progress; the call ends with nobody connected.
    await first.cancel();
    const streamId = lastEventId.slice(0, lastEventId.lastIndexOf('.'));
    const client = new Redis(redis.url);
    try {
      await eventually('the stream to end in Redis', async () => {
        const [last] = await client.xrevrange(`mcp-core:events:${streamId}`, '+', '-', 'COUNT', 1);
        return last?.[1][0] === 'end' ? true : undefined;
      });
    } finally {
      client.disconnect();
    }
    const other = await openLegacySession(b);
    const refused: Array<[string, string]> = [
      ...['99999', '0', '', 'NaN', '1.5', '-1', '1e3'].map((sequence): [string, string] => [sessionId, `${streamId}.${sequence}`]),
      [other, lastEventId], // another session's stream
      [sessionId, `${'f'.repeat(4000)}.2`],
      [sessionId, `mcp-core:session:${sessionId}.2`],
    ];
    for (const [session, id] of refused) {
      const forged = await fetch(b, { headers: { accept: 'text/event-stream', 'last-event-id': id, ...sessionHeaders(session) } });
      assert.equal(forged.status, 400, `${id.slice(0, 80)} was never given to that session`);
      await forged.body?.cancel();
    }
    const rest = await (await resume(b, sessionId, lastEventId)).rest();
    const result = rest.pop();
    assert.equal(result.id, 1, 'the answer is still there for the id the client holds');
    assert.equal(result.result.content[0].text, 'slept 500 ms');
    assert.equal(rest.length, 9, 'every progress notification after the first');
  });

  it('regression: a sequence a live stream never gave is refused on another process with 400, its session kept (it was 503 with Retry-After, again each time: a live writer keeps its lease; then 404, which tells a client its session is gone), and the ids it gave (its priming one) resume there', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const sessionId = await openLegacySession(a);
    const get = new SseReader(await fetch(a, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } }));
    const priming = await get.next();
    assert.ok(priming?.id !== undefined, 'the GET stream is primed');
    await get.cancel();
    const streamId = priming.id.slice(0, priming.id.lastIndexOf('.'));
    // Past what is stored, its writer alive (its lease renewed while the event was waited
    // for): nothing is coming, so the id is unknown, as any the stream never gave. Never
    // served as if given.
    for (const sequence of ['2', '99999']) {
      const forged = await fetch(b, { headers: { accept: 'text/event-stream', 'last-event-id': `${streamId}.${sequence}`, ...sessionHeaders(sessionId) } });
      const body = (await forged.json()) as { error: { code: number; message: string } };
      assert.equal(forged.status, 400, JSON.stringify(body));
      assert.equal(forged.headers.get('retry-after'), null);
      assert.deepEqual(body, { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: unknown Last-Event-ID' } });
    }
    assert.equal((await inSession(b, sessionId, 1, 'ping')).status, 200, 'the session goes on');
    const resumed = await resume(b, sessionId, priming.id);
    await resumed.cancel();
    assert.equal((await fetch(b, { method: 'DELETE', headers: sessionHeaders(sessionId) })).status, 200);
  });

  it('regression: a client string that is not an id the server made never reaches Redis (Mcp-Session-Id, Last-Event-ID, taskId), and a long one is not quoted back whole', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const sessionId = await openLegacySession(a);
    const marker = `hostile-${'k'.repeat(8000)}`;
    const watcher = new Redis(redis.url);
    const monitor = await watcher.monitor();
    const seen: string[] = [];
    let sawSentinel!: () => void;
    const done = new Promise<void>((resolve) => (sawSentinel = resolve));
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes('sentinel-after-the-requests')) sawSentinel();
      else if (args.some((arg) => arg.includes('hostile-'))) seen.push(args.join(' ').slice(0, 120));
    });
    try {
      const unknownSession = await inSession(b, marker, 1, 'ping');
      assert.equal(unknownSession.status, 404);
      const lastEvent = await fetch(b, { headers: { accept: 'text/event-stream', 'last-event-id': `${marker}.1`, ...sessionHeaders(sessionId) } });
      assert.equal(lastEvent.status, 400);
      await lastEvent.body?.cancel();
      const unknownTask = await modern(b, 3, 'tasks/get', { taskId: marker }, TASKS_CAPABILITIES);
      await watcher.echo('sentinel-after-the-requests');
      await done;
      assert.deepEqual(seen, [], 'no command carried the client strings');
      assert.match(unknownTask.json.error.message, /Task not found: hostile-k+\.\.\.$/);
      assert.ok(unknownTask.json.error.message.length < 300, 'the taskId is quoted cut');
    } finally {
      monitor.disconnect();
      watcher.disconnect();
    }
  });

  it('a tool-list change on one process reaches a subscriptions/listen stream held by another', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const response = await fetch(b, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'listen-1',
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
      }),
    });
    const listen = new SseReader(response);
    const acknowledged = await listen.nextMessage();
    assert.equal(acknowledged.method, 'notifications/subscriptions/acknowledged');
    const added = await modern(a, 1, 'tools/call', { name: 'add_tool', arguments: { name: 'late_tool' } });
    assert.equal(added.json.result.content[0].text, 'added late_tool');
    const changed = await listen.nextMessage();
    assert.equal(changed.method, 'notifications/tools/list_changed');
    assert.equal(changed.params._meta['io.modelcontextprotocol/subscriptionId'], 'listen-1');
    await listen.cancel();
  });

  it('an elicitation asked by one process is answered through another', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const sessionId = await openLegacySession(a, { elicitation: {} });
    const asking = await streaming(a, sessionId, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Deploy?' } } });
    const question = await asking.nextMessage();
    assert.equal(question.method, 'elicitation/create');
    const answered = await post(b, { jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { answer: 'yes, from b' } } }, sessionHeaders(sessionId));
    assert.equal(answered.status, 202);
    const result = await asking.nextMessage();
    assert.equal(result.id, 1);
    assert.equal(result.result.content[0].text, 'yes, from b');
  });

  it('a malformed answer to a question asked by one process, posted to another, fails the question at once with -32600 and the POST is refused 400', async () => {
    const [a, b, c] = replicas.map((replica) => replica.url);
    const sessionId = await openLegacySession(a, { elicitation: {} });
    // The answer as the client wrote it (__ID__ the question's id), and what the asking process makes of it.
    const answers: Array<[string, string]> = [
      ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":1.5,"message":"half"}}', 'a malformed error in answer to request __ID__: code is 1.5, not an integer'],
      ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":1e400,"message":"huge"}}', 'a malformed error in answer to request __ID__: code is Infinity, not an integer'],
      ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":-32000,"message":{"no":1}}}', 'a malformed error in answer to request __ID__: message is an object, not a string'],
      ['{"jsonrpc":"2.0","id":__ID__,"error":"denied"}', 'a malformed error in answer to request __ID__: it is "denied", not an object'],
      ['{"jsonrpc":"2.0","id":__ID__,"result":null}', 'a malformed result in answer to request __ID__: it is null, not an object'],
      ['{"jsonrpc":"2.0","id":__ID__,"result":{"action":"decline"},"error":{"code":-32000,"message":"no"}}', 'a malformed response in answer to request __ID__: it has both a result and an error'],
    ];
    for (const [index, [answer, says]] of answers.entries()) {
      const callId = 10 + index;
      const asking = await streaming(a, sessionId, { jsonrpc: '2.0', id: callId, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Deploy?' } } });
      const question = await asking.nextMessage();
      assert.equal(question.method, 'elicitation/create', JSON.stringify(question));
      const id = JSON.stringify(question.id);
      const refused = await post(index % 2 === 0 ? b : c, answer.replace('__ID__', id), sessionHeaders(sessionId));
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.error.code, -32600, refused.text);
      assert.equal(refused.json.error.message, `Invalid Request: ${says.replace(/ in answer to request __ID__/, '')}`);
      // The demo's ask does not catch: the question's rejection is the call's error.
      const response = await Promise.race([asking.nextMessage(), delay(5000, 'no answer within 5 s', { ref: false })]);
      assert.equal(response?.id, callId, JSON.stringify(response));
      assert.equal(response.error?.code, -32600, JSON.stringify(response));
      assert.equal(response.error.message, `Invalid Request: ${says.replace('__ID__', id)}`);
      assert.deepEqual(await asking.rest(), [], 'the call\'s stream ends with its answer');
    }
    // Nothing of the session is left waiting: its next question is answered through another process.
    const asking = await streaming(a, sessionId, { jsonrpc: '2.0', id: 20, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Deploy?' } } });
    const question = await asking.nextMessage();
    const answered = await post(c, { jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { answer: 'yes, from c' } } }, sessionHeaders(sessionId));
    assert.equal(answered.status, 202, answered.text);
    assert.equal((await asking.nextMessage()).result.content[0].text, 'yes, from c');
  });

  it('a modern request answered with input_required on one process is retried on another (the requestState secret is shared through Redis)', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const elicitation = { elicitation: {} };
    const first = await modern(a, 1, 'tools/call', { name: 'ask', arguments: { question: 'Name?' } }, elicitation);
    assert.equal(first.json.result.resultType, 'input_required', first.text);
    const [key] = Object.keys(first.json.result.inputRequests);
    const retry = await modern(
      b,
      2,
      'tools/call',
      { name: 'ask', arguments: { question: 'Name?' }, requestState: first.json.result.requestState, inputResponses: { [key]: { action: 'accept', content: { answer: 'Ada' } } } },
      elicitation,
    );
    assert.equal(retry.json.result.content[0].text, 'Ada', retry.text);
  });

  it('a task started on one process is polled to completion on the others', async () => {
    const [a] = replicas.map((replica) => replica.url);
    const created = await modern(a, 1, 'tools/call', { name: 'work', arguments: { ms: 300 } }, TASKS_CAPABILITIES);
    assert.equal(created.json.result.resultType, 'task', created.text);
    const taskId = created.json.result.taskId;
    const done = await eventually('the task to complete', async () => {
      const task = await modern(next(), 2, 'tasks/get', { taskId }, TASKS_CAPABILITIES);
      assert.equal(task.status, 200, task.text);
      return task.json.result.status === 'completed' ? task.json.result : undefined;
    });
    assert.equal(done.result.content[0].text, `worked 300 ms in ${replicas[0].process.pid}`);
  });

  it('a global rate limit holds across the processes', async () => {
    const statuses: number[] = [];
    for (let id = 1; id <= 7; id++) {
      const answer = await modern(next(), id, 'tools/call', { name: 'add', arguments: { a: id, b: 1 } });
      statuses.push(answer.status);
      if (answer.status === 200) assert.equal(answer.json.result.content[0].text, String(id + 1));
      else assert.equal(answer.json.error.data.reason, 'rate_limited', answer.text);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429], 'four calls in all, whichever process took them');
  });

  it('kill -9 of one process: clients of the others see no error; its clients recover by retrying or resuming; its task fails', async () => {
    const victim = replicas[2];
    const survivors = [replicas[0].url, replicas[1].url];
    // Left with the victim: a task, and a legacy call streaming from it.
    const created = await modern(victim.url, 1, 'tools/call', { name: 'work', arguments: { ms: 600_000 } }, TASKS_CAPABILITIES);
    const taskId = created.json.result.taskId;
    assert.equal(typeof taskId, 'string', created.text);
    const sessionId = await openLegacySession(victim.url);
    const call = await streaming(victim.url, sessionId, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'hold', arguments: {}, _meta: { progressToken: 'p' } } });
    const priming = await call.next();
    assert.ok(priming?.id !== undefined, 'the stream is resumable from its first event');

    // Traffic to the other processes, through the kill.
    let stopping = false;
    let served = 0;
    const failures: string[] = [];
    const traffic = (async () => {
      for (let id = 1; !stopping; id++) {
        try {
          const answer = await modern(survivors[id % 2], id, 'tools/call', { name: 'echo', arguments: { text: `t${id}` } });
          if (answer.status !== 200 || answer.json.result?.content?.[0]?.text !== `t${id}`) failures.push(answer.text);
          else served++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    const killed = new Promise((resolve) => victim.process.once('exit', resolve));
    victim.process.kill('SIGKILL');
    await killed;

    // A modern client of the victim retries on the next process.
    await assert.rejects(modern(victim.url, 2, 'tools/call', { name: 'echo', arguments: { text: 'lost' } }));
    const retried = await modern(survivors[0], 2, 'tools/call', { name: 'echo', arguments: { text: 'retried' } });
    assert.equal(retried.json.result.content[0].text, 'retried');
    // Its legacy session goes on through the others.
    const goesOn = await inSession(survivors[1], sessionId, 8, 'tools/call', { name: 'echo', arguments: { text: 'still here' } });
    assert.equal(goesOn.json.result.content[0].text, 'still here');
    // Its cut stream resumes elsewhere and ends with an error for the call that died with it.
    const resumed = await resume(survivors[0], sessionId, priming.id);
    const rest = await resumed.rest();
    const last = rest.pop();
    assert.equal(last.id, 7);
    assert.equal(last.error.message, WRITER_LOST);
    for (const notification of rest) assert.equal(notification.method, 'notifications/progress');
    // Its task is failed once its lease lapses, never left working.
    const failed = await eventually('the task to fail', async () => {
      const task = await modern(survivors[1], 3, 'tasks/get', { taskId }, TASKS_CAPABILITIES);
      return task.json.result.status === 'working' ? undefined : task.json.result;
    });
    assert.equal(failed.status, 'failed');
    assert.equal(failed.statusMessage, RUNNER_LOST);

    stopping = true;
    await traffic;
    assert.deepEqual(failures, [], 'no client of the other processes saw an error');
    assert.ok(served > 0);
    replicas = replicas.slice(0, 2);
  });

  it('Redis stopped: session requests get 503 and a clear error, stateless calls go on; Redis back: service resumes by itself', async () => {
    const [a, b] = replicas.map((replica) => replica.url);
    const before = await openLegacySession(a);
    await redis.stop();
    // The documented policy (store.redis.onUnavailable: closed): refused, clearly, with a retry hint.
    const refused = await eventually('a session request to be refused', async () => {
      const answer = await inSession(b, before, 1, 'ping');
      return answer.status === 503 ? answer : undefined;
    });
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(refused.json.error.message, /session store cannot be reached; retry shortly/);
    const initialize = await post(a, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    assert.equal(initialize.status, 503);
    const task = await modern(b, 2, 'tools/call', { name: 'work', arguments: { ms: 10 } }, TASKS_CAPABILITIES);
    assert.match(task.json.error.message, /task store cannot be reached/);
    const stateless = await modern(a, 3, 'tools/call', { name: 'echo', arguments: { text: 'no Redis needed' } });
    assert.equal(stateless.json.result.content[0].text, 'no Redis needed');
    const metrics = async (url: string) => (await fetch(new URL('/metrics', url))).text();
    await eventually('mcp_redis_connected 0', async () => (/^mcp_redis_connected 0$/m.test(await metrics(a)) ? true : undefined));

    await redis.restart();
    // Nothing was persisted: the old session is gone (its client opens a new one); new ones work everywhere.
    const after = await eventually('a new session to open', () => openLegacySession(a).catch(() => undefined));
    // Each process reconnects on its own backoff: b may still be refusing (503) when a is back.
    const served = await eventually('the other process to serve the new session', async () => {
      const answer = await inSession(b, after, 4, 'tools/call', { name: 'echo', arguments: { text: 'back' } });
      return answer.status === 503 ? undefined : answer;
    });
    assert.equal(served.json.result.content[0].text, 'back');
    assert.equal((await inSession(b, before, 5, 'ping')).status, 404);
    await eventually('mcp_redis_connected 1', async () => (/^mcp_redis_connected 1$/m.test(await metrics(b)) ? true : undefined));
    const scraped = await metrics(b);
    assert.match(scraped, /^mcp_redis_command_duration_seconds_count\{command="evalsha"\} [1-9]/m, 'store commands are timed');
    for (const replica of replicas) {
      assert.equal(replica.process.exitCode, null, 'no process stopped');
      assert.match(replica.stderr(), /Redis is unreachable/);
      assert.doesNotMatch(replica.stderr(), /unhandled|uncaught/i);
    }
  });
});

describe('scale-out: serve --workers 2 on Redis', { skip: REDIS_MISSING }, () => {
  it('a legacy session goes on whichever worker takes the connection (no sticky routing)', async () => {
    const redis = await RedisServer.start();
    const server = await startDemoHttp(['--workers', '2'], { MCP__STORE__REDIS__URL: redis.url });
    try {
      assert.equal((await children(server.process.pid!)).length, 2);
      const sessionId = await openLegacySession(server.url);
      // A new connection for each call: the primary hands them to the workers in turn, so in
      // memory half of them would reach a worker that never saw the session (404).
      for (let id = 1; id <= 6; id++) {
        const answer = await postFresh(server.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `w${id}` } } }, sessionHeaders(sessionId));
        assert.equal(answer.status, 200, JSON.stringify(answer.json));
        assert.equal(answer.json.result.content[0].text, `w${id}`);
      }
    } finally {
      await server.stop();
      await redis.stop();
    }
  });
});

describe('scale-out: session quotas across processes', { skip: REDIS_MISSING }, () => {
  it("a client's session quota counts its sessions on every process: past it, its least recently used one ends everywhere", async () => {
    const redis = await RedisServer.start();
    const replicas = await startReplicas(2, redis.url, { MCP__HTTP__SESSIONS__MAXSESSIONSPERCLIENT: '2' });
    try {
      const [a, b] = replicas.map((replica) => replica.url);
      const first = await openLegacySession(a);
      const second = await openLegacySession(b);
      assert.equal((await inSession(b, first, 1, 'ping')).status, 200);
      // `second` is now the least recently used: the third session, opened on a, replaces it.
      const third = await openLegacySession(a);
      for (const url of [a, b]) {
        assert.equal((await inSession(url, second, 2, 'ping')).status, 404, `${url}: the evicted session is gone`);
        assert.equal((await inSession(url, first, 3, 'ping')).status, 200);
        assert.equal((await inSession(url, third, 4, 'ping')).status, 200);
      }
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
    }
  });
});

describe('scale-out: idle sessions expire in Redis', { skip: REDIS_MISSING }, () => {
  it('a session left idle past http.sessions.idleTimeoutMs expires by its Redis TTL and is gone on every process', async () => {
    const redis = await RedisServer.start();
    const replicas = await startReplicas(2, redis.url, { MCP__HTTP__SESSIONS__IDLETIMEOUTMS: '1000' });
    const client = new Redis(redis.url);
    try {
      const [a, b] = replicas.map((replica) => replica.url);
      const sessionId = await openLegacySession(a);
      assert.equal((await inSession(b, sessionId, 1, 'ping')).status, 200);
      // Watched in Redis itself, so that the watching does not keep the session in use.
      assert.equal(await client.exists(`mcp-core:session:${sessionId}`), 1);
      await eventually('the record to expire', async () => ((await client.exists(`mcp-core:session:${sessionId}`)) === 0 ? true : undefined));
      for (const url of [a, b]) assert.equal((await inSession(url, sessionId, 2, 'ping')).status, 404, url);
    } finally {
      client.disconnect();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
    }
  });
});

describe('scale-out: an event its writer has not stored yet', { skip: REDIS_MISSING }, () => {
  it('a Last-Event-ID whose event was delivered while its append was still on its way is waited for on another process, not refused', async () => {
    const redis = await RedisServer.start();
    const gate = await startTcpGate(redis.port);
    // a reaches Redis through the gate, b directly; a command may wait 10 s on either.
    const env = { MCP__STORE__REDIS__COMMANDTIMEOUTMS: '10000' };
    const [a] = await startReplicas(1, gate.url, env);
    const [b] = await startReplicas(1, redis.url, env);
    const watcher = new Redis(redis.url);
    try {
      const sessionId = await openLegacySession(a.url);
      const get = new SseReader(await fetch(a.url, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } }));
      const priming = await get.next();
      const streamId = priming!.id!.slice(0, priming!.id!.lastIndexOf('.'));
      await eventually('the stream to be registered', async () => ((await watcher.exists(`mcp-core:stream:${streamId}`)) === 1 ? true : undefined));
      gate.hold();
      // A list change on b reaches a by the bus (Redis to a still flows): a delivers it as
      // event 2 while its append waits in the gate.
      await modern(b.url, 1, 'tools/call', { name: 'add_tool', arguments: { name: 'in_flight' } });
      const changed = await get.next();
      assert.equal(changed?.id, `${streamId}.2`);
      assert.equal(JSON.parse(changed.data).method, 'notifications/tools/list_changed');
      await get.cancel();
      assert.equal(await watcher.exists(`mcp-core:events:${streamId}`), 0, 'event 2 is not stored yet');
      const resuming = fetch(b.url, { headers: { accept: 'text/event-stream', 'last-event-id': changed.id, ...sessionHeaders(sessionId) } });
      await eventually('b to wait for event 2', async () => (/cmd=xread/.test(String(await watcher.client('LIST'))) ? true : undefined));
      gate.release();
      const resumed = await resuming;
      assert.equal(resumed.status, 200, 'the id its writer gave is resumable');
      // The stream goes on through b.
      await modern(b.url, 2, 'tools/call', { name: 'add_tool', arguments: { name: 'after' } });
      const relayed = new SseReader(resumed);
      const next = await relayed.next();
      assert.equal(next?.id, `${streamId}.3`);
      await relayed.cancel();
    } finally {
      gate.release();
      watcher.disconnect();
      await Promise.all([a, b].map((replica) => replica?.stop()));
      await gate.close();
      await redis.stop();
    }
  });
});

describe('scale-out: a quiet stream', { skip: REDIS_MISSING }, () => {
  it('regression: a live stream quiet for longer than http.resumeWindowMs still resumes on another process (Redis forgot it as if it had ended)', async () => {
    const redis = await RedisServer.start();
    // Sessions in use are refreshed every 2 s (half the idle timeout), and so are live streams.
    const replicas = await startReplicas(2, redis.url, { MCP__HTTP__SESSIONS__IDLETIMEOUTMS: '4000', MCP__HTTP__RESUMEWINDOWMS: '6000' });
    const watcher = new Redis(redis.url);
    try {
      const [a, b] = replicas.map((replica) => replica.url);
      const sessionId = await openLegacySession(a);
      const get = new SseReader(await fetch(a, { headers: { accept: 'text/event-stream', ...sessionHeaders(sessionId) } }));
      const opened = Date.now();
      const priming = await get.next();
      const streamId = priming!.id!.slice(0, priming!.id!.lastIndexOf('.'));
      await eventually('the stream to be registered', async () => ((await watcher.exists(`mcp-core:stream:${streamId}`)) === 1 ? true : undefined));
      // Nothing is written to the stream for longer than the resume window; it stays known.
      await eventually('the resume window to pass', async () => {
        assert.equal(await watcher.exists(`mcp-core:stream:${streamId}`), 1, 'the live stream is still known to Redis');
        return Date.now() - opened > 7000 ? true : undefined;
      });
      await get.cancel();
      const resumed = await resume(b, sessionId, priming!.id!);
      await resumed.cancel();
    } finally {
      watcher.disconnect();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.stop();
    }
  });
});
