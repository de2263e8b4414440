/**
 * The Redis event store keeps a stream's messages as JSON text, written and read around JSON
 * for long strings (long-strings.ts): what it gives back is what was stored, whole. What Redis
 * holds that it did not write makes a stream unknown, never a thrown error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeEventId } from '../../src/store/event-store.ts';
import { Redis } from 'ioredis';
import { RedisConnection, RedisEventStore } from '../../src/store/redis/index.ts';
import { REDIS_MISSING, RedisServer } from '../helpers/redis-server.ts';

describe('RedisEventStore', { skip: REDIS_MISSING }, () => {
  it('gives back messages holding long strings whole, one that needs escaping included', async () => {
    const redis = await RedisServer.start();
    const connection = new RedisConnection({ url: redis.url });
    try {
      assert.equal(await connection.ready(5000), true);
      const store = new RedisEventStore(connection);
      const streamId = 'stream-long-strings';
      await store.open(streamId, 'session-1', 1);
      const messages = [
        { jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progressToken: 'p', progress: 1 } },
        { jsonrpc: '2.0' as const, id: 1, result: { content: [{ type: 'text', text: 'x'.repeat(100_000) }] } },
        { jsonrpc: '2.0' as const, id: 2, result: { content: [{ type: 'text', text: `"quoted"\n${'é'.repeat(70_000)}` }] } },
      ];
      for (const [i, message] of messages.entries()) await store.append(streamId, makeEventId(streamId, i + 1), message);
      const replayed = await store.replayAfter(makeEventId(streamId, 0));
      assert.deepEqual(
        replayed,
        messages.map((message, i) => ({ id: makeEventId(streamId, i + 1), message })),
      );
      assert.deepEqual(await store.replayAfter(makeEventId(streamId, 2)), [{ id: makeEventId(streamId, 3), message: messages[2] }]);
    } finally {
      await connection.close();
      await redis.stop();
    }
  });

  it('regression: a stream whose record names a request that is no JSON is unknown (describing it threw, failing the resume of it on another process)', async () => {
    const redis = await RedisServer.start();
    const connection = new RedisConnection({ url: redis.url });
    const client = new Redis(redis.url);
    try {
      assert.equal(await connection.ready(5000), true);
      const store = new RedisEventStore(connection);
      await store.open('stream-a', 'session-1', 7);
      await store.open('stream-b', 'session-1', 'req');
      assert.equal((await store.describe('stream-a'))?.requestId, 7);
      assert.equal((await store.describe('stream-b'))?.requestId, 'req');
      for (const request of ['{"id":', '{"id":1}', 'null']) {
        await client.hset(connection.key('stream', 'stream-a'), 'request', request);
        assert.equal(await store.describe('stream-a'), undefined, request);
      }
    } finally {
      client.disconnect();
      await connection.close();
      await redis.stop();
    }
  });
});
