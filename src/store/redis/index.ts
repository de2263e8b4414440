/**
 * Every store on one Redis, for several processes serving one endpoint (`mcp-core/redis`):
 * legacy sessions, SSE events, tasks, the bus, and a secret they share. ioredis is loaded only
 * by importing this module: a server without Redis never pays for it.
 */
import type { SessionStoreFactory } from '../session-store.ts';
import { RedisBus } from './bus.ts';
import { RedisConnection, type RedisConnectionOptions } from './connection.ts';
import { RedisEventStore, type RedisEventStoreOptions } from './event-store.ts';
import { RedisSessionStore, type UnavailablePolicy } from './session-store.ts';
import { RedisTaskStore } from './task-store.ts';

export { RedisBus, RedisConnection, RedisEventStore, RedisSessionStore, RedisTaskStore };
export type { RedisConnectionOptions, RedisEventStoreOptions, UnavailablePolicy };
export { RUNNER_LOST } from './task-store.ts';

export interface RedisStoresOptions extends RedisConnectionOptions {
  /** While Redis cannot be reached. Default `closed` for both. */
  onUnavailable?: { sessions?: UnavailablePolicy; tasks?: UnavailablePolicy };
  /** The SSE event log (give `ttlMs` the transport's `resumeWindowMs`). */
  events?: RedisEventStoreOptions;
}

export interface RedisStores {
  readonly connection: RedisConnection;
  /** For the server (`bus`) and the HTTP transport (`bus`): the same one. */
  readonly bus: RedisBus;
  /** For the HTTP transport: `sessions: { store: stores.sessions }`. */
  readonly sessions: SessionStoreFactory;
  /** For the HTTP transport: `eventStore`. */
  readonly events: RedisEventStore;
  /** For the server: `tasks: { store }`. */
  readonly tasks: RedisTaskStore;
  /**
   * A random secret made by the first process that asks and read by every other (to seal
   * `requestState`, so a retry may reach any process). Waits for Redis up to the connect
   * timeout; rejects with a message naming what to do when it cannot be reached.
   */
  sharedSecret(name: string): Promise<string>;
  /** Gives up this process's lease and closes its connections. Never rejects. */
  close(): Promise<void>;
}

/**
 * @example
 * import { McpServer, serveHttp } from 'mcp-core';
 * import { createRedisStores } from 'mcp-core/redis';
 *
 * const redis = createRedisStores({ url: 'redis://127.0.0.1:6379' });
 * const server = new McpServer({ name: 'weather', version: '1.0.0', bus: redis.bus, tasks: { store: redis.tasks },
 *   requestStateSecret: await redis.sharedSecret('requestState') });
 * await serveHttp(server, { port: 3000, sessions: { store: redis.sessions }, eventStore: redis.events, bus: redis.bus });
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  const connection = new RedisConnection(options);
  const bus = new RedisBus(connection);
  const sessionPolicy = options.onUnavailable?.sessions ?? 'closed';
  return {
    connection,
    bus,
    sessions: (limits, runtime) => new RedisSessionStore(connection, bus, limits, runtime, sessionPolicy),
    events: new RedisEventStore(connection, options.events),
    tasks: new RedisTaskStore(connection, options.onUnavailable?.tasks ?? 'closed'),
    sharedSecret: (name) => sharedSecret(connection, name, options.connectTimeoutMs ?? 5000),
    close: () => connection.close(),
  };
}

async function sharedSecret(connection: RedisConnection, name: string, timeoutMs: number): Promise<string> {
  const key = connection.key('secret', name);
  const { randomBytes } = await import('node:crypto');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.commands.set(key, randomBytes(32).toString('base64url'), 'NX');
      const secret = await connection.commands.get(key);
      if (secret !== null) return secret;
    } catch (error) {
      if (Date.now() >= deadline) {
        // What the connection met says what to mend (WRONGPASS, NOAUTH, not Redis at all). Its
        // message only: ioredis's error carries the command, and HELLO's holds the password.
        const why = connection.connected ? error : (connection.lastError ?? error);
        throw new Error(
          `Redis cannot be used to read the shared ${name} secret (${why instanceof Error ? why.message : 'unknown error'}); check that Redis runs at store.redis.url and that the URL's host, port and password are right, or set the secret in the configuration`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
