/**
 * Where `mcp-core serve` keeps its rate-limit counts: in each process's memory, or in Redis.
 *
 * `store.redis.url` alone puts them in Redis, over the stores' own connection: a limit then
 * holds across every process behind the endpoint, as sessions and tasks do, and a process keeps
 * one connection for commands. `rateLimits.redis.url` names another Redis (counts then get a
 * connection of their own); `rateLimits.store: memory` keeps counts per process.
 */
import type { Config } from '../config/config.ts';
import { reportError } from '../protocol/error-report.ts';
import { atMostEvery, REPORT_INTERVAL_MS } from '../protocol/report-interval.ts';
import type { LimiterFactory } from '../security/rate-limits.ts';
import type { RedisConnection } from '../store/redis/connection.ts';

/** Where counts are kept in Redis: `url` undefined means over the stores' connection. */
export interface RateLimitRedis {
  url: string | undefined;
  keyPrefix: string;
}

/** Whether any rate limit is set. */
export function rateLimited(config: Config): boolean {
  const { perClient, perTool, tools } = config.rateLimits;
  return perClient !== undefined || perTool !== undefined || Object.keys(tools).length > 0;
}

/**
 * The Redis the counts go to, or undefined when they stay in memory. The stores' URL given
 * again in `rateLimits.redis.url` is the stores' connection too.
 *
 * @example
 * rateLimitRedis(config); // { url: undefined, keyPrefix: 'mcp-core:rate' } with store.redis.url alone
 */
export function rateLimitRedis(config: Config): RateLimitRedis | undefined {
  const { store, redis } = config.rateLimits;
  const shared = config.store.redis;
  const url = redis.url ?? shared.url;
  if ((store ?? (url === undefined ? 'memory' : 'redis')) === 'memory' || url === undefined) return undefined;
  return { url: url === shared.url ? undefined : url, keyPrefix: redis.keyPrefix ?? `${shared.keyPrefix}:rate` };
}

/** Whether counts go over the stores' connection (then Redis going away concerns them too). */
export function countsOnStores(config: Config): boolean {
  const redis = rateLimitRedis(config);
  return rateLimited(config) && redis !== undefined && redis.url === undefined;
}

/**
 * The limiters of the configuration, and what closes the connection they opened (none when
 * they count in memory or over `stores`, which its owner closes).
 */
export async function rateLimitLimiters(config: Config, stores: RedisConnection | undefined): Promise<{ limiters: LimiterFactory; close(): Promise<void> }> {
  const { memoryLimiters, redisLimiters } = await import('../security/rate-limits.ts');
  const redis = rateLimitRedis(config);
  if (redis === undefined) return { limiters: memoryLimiters, close: async () => {} };
  if (redis.url === undefined) {
    if (stores === undefined) throw new Error('rate limits count on the stores\' Redis, but the stores are not started');
    return { limiters: redisLimiters(stores.commands, redis.keyPrefix), close: async () => {} };
  }
  const client = await ownClient(redis.url);
  const { whenReady } = await import('../store/redis/connection.ts');
  await whenReady(client, READY_WAIT_MS);
  return {
    limiters: redisLimiters(client, redis.keyPrefix),
    close: () => client.quit().then(() => undefined, () => client.disconnect()),
  };
}

/**
 * How long serving waits for the counts' own Redis at start, as the stores wait for theirs
 * (store.redis.connectTimeoutMs's default). Counted in memory until it answers, a process just
 * started gave every client the whole of each limit again, whatever the others had counted.
 */
const READY_WAIT_MS = 5000;

/**
 * An ioredis client for counts on a Redis of their own: commands fail fast while Redis is
 * unreachable (the limiters count in memory meanwhile) instead of queueing, and connection
 * errors are reported, not thrown. The URL (which may hold a password) is never written anywhere.
 */
async function ownClient(url: string) {
  const [{ Redis }, { refusedAsReplica }] = await Promise.all([import('ioredis'), import('../store/redis/connection.ts')]);
  // A primary demoted behind the URL (a failover): connected again to where it leads, as the stores are.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: false, reconnectOnError: refusedAsReplica });
  client.on(
    'error',
    atMostEvery(REPORT_INTERVAL_MS, (error: Error) => {
      reportError(new Error(`the rate-limit store (Redis) failed: ${error.message}; counting in memory meanwhile`), { operation: 'rate limit store' });
    }),
  );
  return client;
}
