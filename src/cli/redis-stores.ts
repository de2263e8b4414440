/**
 * `store.redis.url` set: every store on Redis, so that every process serving one endpoint
 * (replicas behind a load balancer, `--workers`) serves any request. Loaded only then: a server
 * without Redis never loads ioredis.
 */
import type { Config } from '../config/config.ts';
import type { RedisStores } from '../store/redis/index.ts';
import { notices } from './notices.ts';
import { countsOnStores } from './rate-limit-store.ts';

/** The stores, and the requestState secret every process shares: configured, or kept in Redis. */
export interface SharedState {
  stores: RedisStores;
  requestStateSecret: string;
}

export async function startRedisStores(config: Config): Promise<SharedState | undefined> {
  const settings = config.store.redis;
  if (settings.url === undefined) return undefined;
  const { createRedisStores } = await import('../store/redis/index.ts');
  let warned = false;
  const counts = countsOnStores(config) ? ', rate limits counted in each process' : '';
  const stores = createRedisStores({
    url: settings.url,
    keyPrefix: settings.keyPrefix,
    connectTimeoutMs: settings.connectTimeoutMs,
    commandTimeoutMs: settings.commandTimeoutMs,
    leaseMs: settings.leaseMs,
    onUnavailable: settings.onUnavailable,
    events: { ttlMs: config.http.resumeWindowMs, maxEventsPerStream: config.store.events.maxEventsPerStream },
    // Messages of Redis errors name hosts and ports, never the URL's password.
    onError: (error, operation) => notices().warn(`${operation} failed: ${error instanceof Error ? error.message : 'unknown error'}`),
    onStateChange: (connected) => {
      if (connected && warned) notices().info('Redis is reachable again');
      else if (!connected) notices().warn(`Redis is unreachable; sessions ${settings.onUnavailable.sessions}, tasks ${settings.onUnavailable.tasks} (store.redis.onUnavailable)${counts} until it is back`);
      warned ||= !connected;
    },
  });
  // Clients come once Redis answers (workers are handed connections as soon as they listen);
  // without it, serving starts anyway under the onUnavailable policy, and resumes when it is back.
  await stores.connection.ready(settings.connectTimeoutMs);
  try {
    const requestStateSecret = config.server.requestStateSecret ?? (await stores.sharedSecret('requestState'));
    return { stores, requestStateSecret };
  } catch (error) {
    await stores.close();
    throw error;
  }
}
