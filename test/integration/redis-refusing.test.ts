/**
 * A Redis that is there but will not do what the stores ask: it refuses writes (at
 * `maxmemory` with `noeviction`), it asks for a password the URL gets wrong, or it stops
 * answering. Each case is answered with an error that says what is wrong, and what needs no
 * Redis is served as before. Redis is shared, so what it hands back may not be what the stores
 * wrote: a record that is no JSON is taken as gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { errorChannel, type ErrorReport } from '../../src/protocol/error-report.ts';
import { createRedisStores } from '../../src/store/redis/index.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { eventually, inSession, modern, openLegacySession, sessionHeaders, startReplicas, streaming, TASKS_CAPABILITIES } from '../helpers/scale.ts';

/** Sets Redis's maxmemory (bytes; 0 for none) without eviction: past it, every write is refused with OOM. */
async function setMaxMemory(url: string, bytes: number): Promise<void> {
  const client = new Redis(url);
  try {
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    await client.config('SET', 'maxmemory', String(bytes));
  } finally {
    client.disconnect();
  }
}

describe('Redis refusing what the stores ask', { skip: REDIS_MISSING }, () => {
  let redis: RedisServer;

  before(async () => {
    redis = await RedisServer.start('right-password');
  });
  after(() => redis.stop());

  it('regression: SSE events Redis refuses to store (out of memory) are still delivered, and logged once, without what they carry (it was an error line per event, each holding the event)', async () => {
    const [server] = await startReplicas(1, redis.url);
    try {
      const sessionId = await openLegacySession(server.url);
      // Full: what it holds is past a maxmemory of 1 byte.
      await setMaxMemory(redis.url, 1);
      const logged = server.stderr().length;
      const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 300 }, _meta: { progressToken: 'p' } } };
      const messages = await (await streaming(server.url, sessionId, call)).rest();
      const progress = messages.filter((message) => message.method === 'notifications/progress');
      assert.ok(progress.length >= 5, `progress delivered: ${JSON.stringify(messages)}`);
      assert.equal(messages.at(-1).id, 1, 'the call answered');
      const log = server.stderr().slice(logged);
      assert.doesNotMatch(log, /slept \d+ ms/, 'no event is in the log');
      const refusals = log.split('\n').filter((line) => /OOM/.test(line));
      assert.equal(refusals.length, 1, log.slice(0, 2000));
      assert.match(refusals[0], /Redis event store (open|append) \(events are delivered, not kept for resumption\) failed: OOM command not allowed/);
      assert.equal(server.process.exitCode, null);
    } finally {
      await server.stop();
      await setMaxMemory(redis.url, 0);
    }
  });

  it('regression: a session request while Redis does not answer (stopped, SIGSTOP) gets 503 with data.retryAfterMs, as documented (it had none)', async () => {
    const [server] = await startReplicas(1, redis.url, { MCP__STORE__REDIS__COMMANDTIMEOUTMS: '300' });
    try {
      const sessionId = await openLegacySession(server.url);
      redis.process.kill('SIGSTOP');
      try {
        const refused = await inSession(server.url, sessionId, 1, 'ping');
        assert.equal(refused.status, 503, refused.text);
        assert.equal(refused.headers.get('retry-after'), '1');
        assert.deepEqual(refused.json.error, {
          code: -32603,
          message: 'Service unavailable: the session store cannot be reached; retry shortly',
          data: { retryAfterMs: 1000 },
        });
        const stateless = await modern(server.url, 2, 'tools/call', { name: 'echo', arguments: { text: 'no Redis needed' } });
        assert.equal(stateless.json.result.content[0].text, 'no Redis needed');
      } finally {
        redis.process.kill('SIGCONT');
      }
      // Served again once Redis answers (the connection may be being made again).
      await eventually('the session served again', async () => ((await inSession(server.url, sessionId, 3, 'ping')).status === 200 ? true : undefined), 10_000);
    } finally {
      await server.stop();
    }
  });

  it('regression: a Redis that stops answering (SIGSTOP) is found unreachable by the lease renewal timing out, as one that closed the connection is: the warning, mcp_redis_connected 0, then 1 again once it answers (the process went on as if connected, each command waiting its time in vain)', async () => {
    const [server] = await startReplicas(1, redis.url, {
      MCP__STORE__REDIS__COMMANDTIMEOUTMS: '300',
      MCP__STORE__REDIS__LEASEMS: '1000',
      MCP__METRICS__ENABLED: 'true',
      MCP__RATELIMITS__PERCLIENT: JSON.stringify({ limit: 1000, windowSeconds: 60 }),
    });
    const connected = async () => /^mcp_redis_connected (\d)$/m.exec(await (await fetch(new URL('/metrics', server.url))).text())?.[1];
    try {
      const sessionId = await openLegacySession(server.url);
      assert.equal(await connected(), '1');
      redis.process.kill('SIGSTOP');
      try {
        await eventually('mcp_redis_connected 0', async () => ((await connected()) === '0' ? true : undefined), 5000);
        assert.match(server.stderr(), /Redis is unreachable; sessions closed, tasks closed \(store.redis.onUnavailable\), rate limits counted in each process until it is back/);
        // Refused at once now, as while Redis is down; stateless calls go on (rate limits counted in memory).
        const refused = await inSession(server.url, sessionId, 1, 'ping');
        assert.equal(refused.status, 503, refused.text);
        const stateless = await modern(server.url, 2, 'tools/call', { name: 'echo', arguments: { text: 'counted in memory' } });
        assert.equal(stateless.json.result.content[0].text, 'counted in memory');
      } finally {
        redis.process.kill('SIGCONT');
      }
      await eventually('mcp_redis_connected 1', async () => ((await connected()) === '1' ? true : undefined), 5000);
      await eventually('the session served again', async () => ((await inSession(server.url, sessionId, 3, 'ping')).status === 200 ? true : undefined), 5000);
      assert.equal(server.process.exitCode, null);
    } finally {
      await server.stop();
    }
  });

  it("regression: a wrong password in store.redis.url stops serve with Redis's answer (WRONGPASS), not \"Stream isn't writeable\"", async () => {
    const wrong = redis.url.replace('right-password', 'wrong-password');
    const started = startReplicas(1, wrong, { MCP__STORE__REDIS__CONNECTTIMEOUTMS: '300' });
    await assert.rejects(started, (error: Error) => {
      assert.match(error.message, /server exited with 1/);
      assert.match(error.message, /Redis cannot be used to read the shared requestState secret \(WRONGPASS invalid username-password pair[^)]*\); check that Redis runs at store.redis.url and that the URL's host, port and password are right/);
      assert.doesNotMatch(error.message, /Stream isn't writeable/);
      assert.doesNotMatch(error.message, /wrong-password/, 'the password is not logged');
      return true;
    });
  });

  it('regression: createRedisStores given a wrong password reports the refusal without the password (the error carried the HELLO command, password included)', async () => {
    const reports: ErrorReport[] = [];
    const listen = (message: unknown) => reports.push(message as ErrorReport);
    errorChannel.subscribe(listen);
    const stores = createRedisStores({ url: redis.url.replace('right-password', 'wrong-password'), connectTimeoutMs: 300 });
    try {
      assert.equal(await stores.connection.ready(1000), false);
      const refused = reports.find((report) => /WRONGPASS/.test(String(report.error)));
      assert.ok(refused !== undefined, inspect(reports));
      assert.equal(refused.operation, 'Redis (commands connection)');
      assert.doesNotMatch(inspect(refused.error, { depth: 5 }), /wrong-password/);
      assert.doesNotMatch(JSON.stringify(refused.error), /wrong-password/);
    } finally {
      errorChannel.unsubscribe(listen);
      await stores.close();
    }
  });

  it('regression: a session request Redis refuses (a key holding the wrong kind of value) gets 503 and the refusal is logged (it was answered 503 and the log said nothing, the connection and the lease being fine)', async () => {
    const [server] = await startReplicas(1, redis.url);
    const client = new Redis(redis.url);
    try {
      const sessionId = await openLegacySession(server.url);
      const [all] = await client.keys('*:sessions');
      assert.ok(all !== undefined, 'the index of sessions');
      await client.del(all);
      await client.set(all, 'not a sorted set');
      const logged = server.stderr().length;
      const refused = await inSession(server.url, sessionId, 1, 'ping');
      assert.equal(refused.status, 503, refused.text);
      const log = await eventually('the refusal logged', async () => {
        const text = server.stderr().slice(logged);
        return /WRONGTYPE/.test(text) ? text : undefined;
      }, 5000);
      assert.match(log, /Redis session store failed: WRONGTYPE Operation against a key holding the wrong kind of value/);
      await client.del(all);
      assert.equal((await inSession(server.url, sessionId, 2, 'ping')).status, 200);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('regression: a session record that is no JSON is a session gone (404), and the quota evicts it (each script reading it failed: 503 for that session until it expired, and for every new session of its client once it was the one to evict)', async () => {
    const [server] = await startReplicas(1, redis.url, { MCP__HTTP__SESSIONS__MAXSESSIONSPERCLIENT: '2' });
    const client = new Redis(redis.url);
    try {
      const first = await openLegacySession(server.url);
      const second = await openLegacySession(server.url);
      const [record] = await client.keys(`*:session:${first}`);
      assert.ok(record !== undefined, 'the first session in Redis');
      await client.set(record, '{"client":', 'KEEPTTL');
      assert.equal((await inSession(server.url, first, 1, 'ping')).status, 404);
      // Now the least recently used of its client: the third session evicts it.
      const third = await openLegacySession(server.url);
      assert.equal(await client.exists(record), 0, 'the record evicted');
      assert.equal((await inSession(server.url, second, 2, 'ping')).status, 200);
      assert.equal((await inSession(server.url, third, 3, 'ping')).status, 200);
      // A record with no client is gone as well, to a DELETE too.
      const [thirdRecord] = await client.keys(`*:session:${third}`);
      await client.set(thirdRecord!, '{"id":"x"}', 'KEEPTTL');
      assert.equal((await inSession(server.url, third, 4, 'ping')).status, 404);
      assert.equal((await fetch(server.url, { method: 'DELETE', headers: sessionHeaders(third) })).status, 404);
      // So is one whose client is no string, or that is nested past what Lua's decoder takes:
      // each read of it is a 404, never the 503 of a script that failed.
      for (const text of ['{"client":{"id":"x"}}', '{"client":["a"]}', '"just a string"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`]) {
        await client.set(thirdRecord!, text, 'KEEPTTL');
        assert.equal((await inSession(server.url, third, 5, 'ping')).status, 404, text.slice(0, 40));
      }
      assert.doesNotMatch(server.stderr(), /Redis session store failed/);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('regression: a task record that is no JSON is a task unknown to the other processes, and can be written again (reading it failed the script: a JSON-RPC error saying the task store cannot be reached, for as long as it stayed)', async () => {
    const servers = await startReplicas(2, redis.url);
    const [a, b] = servers.map((server) => server.url);
    const client = new Redis(redis.url);
    try {
      const created = await modern(a, 1, 'tools/call', { name: 'work', arguments: { ms: 500 } }, TASKS_CAPABILITIES);
      const taskId = created.json.result.taskId;
      const [record] = await client.keys(`*:task:${taskId}`);
      assert.ok(record !== undefined, created.text);
      await client.set(record, 'garbage', 'KEEPTTL');
      const task = await modern(b, 2, 'tasks/get', { taskId }, TASKS_CAPABILITIES);
      assert.equal(task.json.error?.code, -32602, task.text);
      // The work ends on a and writes its outcome over what was there.
      const done = await eventually('the task completed', async () => {
        const polled = await modern(b, 3, 'tasks/get', { taskId }, TASKS_CAPABILITIES);
        return polled.json.result?.status === 'completed' ? polled.json.result : undefined;
      }, 10_000);
      assert.match(done.result.content[0].text, /^worked 500 ms/);
      for (const server of servers) assert.doesNotMatch(server.stderr(), /Redis task store failed/);
    } finally {
      client.disconnect();
      await Promise.all(servers.map((server) => server.stop()));
    }
  });
});
