/**
 * Rate limits counted in Redis (`rateLimits.store: redis`) with a real redis-server: two
 * `mcp-core serve` processes share one count, and when Redis goes away each process goes on
 * counting in memory: calls are neither blocked nor left hanging, and the failure is reported.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, configFile, text } from '../helpers/auth-requests.ts';
import { RedisServer } from '../helpers/redis-server.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const KEY = 'alice-key-0123456789';
const REDIS_PASSWORD = 'redis-password-42';

describe('mcp-core serve: rate limits in Redis', () => {
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

  it('counts in memory while Redis is gone, and reports it', async () => {
    await redis.stop();
    // The memory count of this process starts afresh: three calls pass, the fourth does not.
    for (let i = 0; i < 3; i++) assert.equal(text(await call(second.url, KEY, 'echo', { text: `m${i}` })), `m${i}`);
    assert.equal((await call(second.url, KEY, 'echo', { text: 'over' })).status, 429);
    const line = await second.stderrLine(/rate-limit store \(Redis\) failed/);
    assert.ok(!line.includes(redis.url) && !line.includes(REDIS_PASSWORD));
  });
});
