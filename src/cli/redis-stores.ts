/**
 * `store.redis.url` set: every store on Redis, so that every process serving one endpoint
 * (replicas behind a load balancer, `--workers`) serves any request. Loaded only then: a server
 * without Redis never loads ioredis.
 */
import { ConfigError, type Config } from '../config/config.ts';
import type { RedisStores } from '../store/redis/index.ts';
import { atMostEvery, REPORT_INTERVAL_MS } from '../protocol/report-interval.ts';
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
  // ioredis reaches a primary found by Sentinel over TLS only when asked in ways not tried here:
  // refused, rather than tried in clear text against a primary that expects TLS.
  if (settings.sentinels !== undefined && settings.url.startsWith('rediss:')) {
    throw new ConfigError('store.redis.sentinels with a rediss:// url: TLS through Sentinel is not supported; give a redis:// url, or the address of a primary that follows failovers without Sentinel');
  }
  const { createRedisStores } = await import('../store/redis/index.ts');
  let warned = false;
  const counts = countsOnStores(config) ? ', rate limits counted in each process' : '';
  // At most every 10 s: a Redis that keeps dropping its connections (an address that leads to
  // a replica, which refuses every write and is connected to again) would say it every 100 ms.
  const unreachable = atMostEvery(REPORT_INTERVAL_MS, () =>
    notices().warn(`Redis is unreachable; sessions ${settings.onUnavailable.sessions}, tasks ${settings.onUnavailable.tasks} (store.redis.onUnavailable)${counts} until it is back`),
  );
  const stores = createRedisStores({
    url: settings.url,
    sentinels: settings.sentinels?.map(sentinelAddress),
    sentinelName: settings.sentinelName,
    sentinelPassword: settings.sentinelPassword,
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
      else if (!connected) unreachable();
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

/** `host:port` or `[IPv6]:port` (the schema's shape) as ioredis takes a sentinel. */
function sentinelAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(colon + 1)) };
}
