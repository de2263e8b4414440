/**
 * Rate limits counted in Redis with a real redis-server: `mcp-core serve` processes share one
 * count, whether on a Redis of the counts' own (`rateLimits.redis.url`) or on the stores' one
 * (`store.redis.url` alone, over the stores' connection); `rateLimits.store: memory` keeps counts
 * per process. When Redis goes away each process goes on counting in memory: calls are neither
 * blocked nor left hanging, and the failure is reported.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { call, configFile, text } from '../helpers/auth-requests.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const KEY = 'alice-key-0123456789';
const REDIS_PASSWORD = 'redis-password-42';

describe('mcp-core serve: rate limits in Redis', { skip: REDIS_MISSING }, () => {
  let redis: RedisServer;
  let first: Served;
  let second: Served;
  before(async () => {
    redis = await RedisServer.start(REDIS_PASSWORD);
    const config = configFile({
      auth: { mode: 'apiKey', apiKeys: { alice: { key: KEY } } },
      rateLimits: { store: 'redis', redis: { url: redis.url, keyPrefix: `test:${process.pid}` }, tools: { echo: { limit: 3, windowSeconds: 60 } } },
    });
    [first, second] = await Promise.all([startServe(['--config', config, '--http', '127.0.0.1:0']), startServe(['--config', config, '--http', '127.0.0.1:0'])]);
  });
  after(async () => {
    await Promise.all([stopServe(first), stopServe(second)]);
    await redis.stop();
  });

  it('shares one count between processes', async () => {
    assert.equal(text(await call(first.url, KEY, 'echo', { text: '1' })), '1');
    assert.equal(text(await call(second.url, KEY, 'echo', { text: '2' })), '2');
    assert.equal(text(await call(first.url, KEY, 'echo', { text: '3' })), '3');
    for (const served of [second, first]) {
      const refused = await call(served.url, KEY, 'echo', { text: '4' });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    }
  });

  it('counts in Redis from the first request of a process just started, even when Redis answers late', async () => {
    // Redis reached through a relay that holds each connection 700 ms before passing it on.
    const relay = await slowRelay(redis.port, 700);
    const config = configFile({
      auth: { mode: 'apiKey', apiKeys: { alice: { key: KEY } } },
      rateLimits: { store: 'redis', redis: { url: `redis://:${REDIS_PASSWORD}@127.0.0.1:${relay.port}`, keyPrefix: `test:${process.pid}` }, tools: { echo: { limit: 3, windowSeconds: 60 } } },
    });
    const third = await startServe(['--config', config, '--http', '127.0.0.1:0']);
    try {
      // The others have used the whole limit: this process's first call is one too many.
      assert.equal((await call(third.url, KEY, 'echo', { text: 'late' })).status, 429);
    } finally {
      await stopServe(third);
      relay.server.close();
    }
  });

  it('counts in memory while Redis is gone, and reports it', async () => {
    await redis.stop();
    // The memory count of this process starts afresh: three calls pass, the fourth does not.
    for (let i = 0; i < 3; i++) assert.equal(text(await call(second.url, KEY, 'echo', { text: `m${i}` })), `m${i}`);
    assert.equal((await call(second.url, KEY, 'echo', { text: 'over' })).status, 429);
    const line = await second.stderrLine(/rate-limit store \(Redis\) failed/);
    assert.ok(!line.includes(redis.url) && !line.includes(REDIS_PASSWORD));
  });
});

describe('mcp-core serve: rate limits on the stores\' Redis, store.redis.url alone', { skip: REDIS_MISSING }, () => {
  const prefix = `test-stores:${process.pid}`;
  let redis: RedisServer;
  let replicas: Served[];
  let apart: Served;
  before(async () => {
    redis = await RedisServer.start(REDIS_PASSWORD);
    // Nothing under rateLimits names Redis: the stores' URL is all there is.
    const config = configFile({ store: { redis: { url: redis.url, keyPrefix: prefix } }, rateLimits: { tools: { echo: { limit: 3, windowSeconds: 60 } } } });
    const start = (env: Record<string, string> = {}) => startServe(['--config', config, '--http', '127.0.0.1:0'], env);
    [replicas, apart] = await Promise.all([Promise.all([start(), start(), start()]), start({ MCP__RATELIMITS__STORE: 'memory' })]);
  });
  after(async () => {
    await Promise.all([...replicas, apart].map(stopServe));
    await redis.stop();
  });

  it('one count for every process, kept over the stores\' own connection', async () => {
    for (let i = 0; i < 3; i++) assert.equal(text(await call(replicas[i].url, undefined, 'echo', { text: `${i}` })), `${i}`);
    for (const served of replicas) {
      const refused = await call(served.url, undefined, 'echo', { text: 'over' });
      assert.equal(refused.status, 429, refused.text);
      assert.equal(refused.json.error.data.reason, 'rate_limited');
    }
    const client = new Redis(redis.url, { connectionName: 'test' });
    try {
      assert.ok((await client.keys(`${prefix}:rate:*`)).length > 0, 'the counts are under store.redis.keyPrefix:rate');
      // Every connection of the processes is a store connection (named after its process): the
      // counts opened none of their own.
      const names = (await client.client('LIST')) as string;
      const others = names.split('\n').filter((line) => line.includes(' name=') && !line.includes(' name=test '));
      assert.ok(others.length >= replicas.length + 1, names);
      for (const line of others) assert.match(line, / name=mcp-core:/);
    } finally {
      client.disconnect();
    }
  });

  it('rateLimits.store: memory keeps a process\'s counts its own', async () => {
    for (let i = 0; i < 3; i++) assert.equal(text(await call(apart.url, undefined, 'echo', { text: `apart ${i}` })), `apart ${i}`);
    assert.equal((await call(apart.url, undefined, 'echo', { text: 'over' })).status, 429);
  });

  it('counts in memory while Redis is gone, and says so', async () => {
    await redis.stop();
    const [first] = replicas;
    // This process's memory count starts afresh: three calls pass, the fourth does not.
    for (let i = 0; i < 3; i++) assert.equal(text(await call(first.url, undefined, 'echo', { text: `m${i}` })), `m${i}`);
    assert.equal((await call(first.url, undefined, 'echo', { text: 'over' })).status, 429);
    const line = await first.stderrLine(/Redis is unreachable.*rate limits counted in each process/);
    assert.ok(!line.includes(REDIS_PASSWORD));
  });
});

/** A TCP relay to `port` on 127.0.0.1 that holds each connection `delayMs` before passing it on. */
async function slowRelay(port: number, delayMs: number): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    // Paused until piped: what the client sends meanwhile waits.
    socket.pause();
    setTimeout(() => {
      const upstream = connect(port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      const end = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.once('close', end);
      upstream.once('close', end);
      upstream.once('error', end);
      socket.once('error', end);
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}
