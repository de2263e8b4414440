/**
 * The Redis connections of one process, shared by its stores and its bus, and its lease.
 *
 * - **Commands** fail fast while Redis is unreachable (no offline queue) and after
 *   `commandTimeoutMs`, so a request waiting on Redis is answered, never left hanging; the
 *   stores turn such failures into `StoreUnavailableError`.
 * - **Reconnection** is automatic and without end (every 100 ms at first, then at most every
 *   second); service resumes by itself. A Redis that stops answering without closing the
 *   connection (stopped, hung) is found by the lease renewal timing out, and is then taken as
 *   unreachable: the connection is made again.
 * - **The lease** (`<prefix>:lease:<instance>`, renewed three times per `leaseMs`) says this
 *   process is alive: when it lapses, other processes mark its tasks failed and take over its
 *   SSE streams.
 * - Connection errors are reported at most once per 10 s; losing and regaining Redis are
 *   told to `onStateChange`. Nothing here throws or rejects unowned.
 *
 * Keys are not Redis Cluster hash-tagged: one deployment's keys live on one Redis (a primary,
 * with replicas and Sentinel, or a managed service's name, for failover).
 */
import { createHash, randomBytes } from 'node:crypto';
import { checkTimerMs } from '../../protocol/timer-limit.ts';
import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import { reportError } from '../../protocol/error-report.ts';
import { isObject } from '../../protocol/guards.ts';
import { atMostEvery, REPORT_INTERVAL_MS } from '../../protocol/report-interval.ts';
import { StoreUnavailableError, type StoreKind } from '../unavailable.ts';

export interface RedisConnectionOptions {
  /** `redis://` or `rediss://` URL, password included if any. */
  url: string;
  /**
   * Redis Sentinel: the primary is the one these sentinels name for `sentinelName` (default
   * `mymaster`), found again after a failover; `url` then gives the password, user, database
   * and TLS, and its host is not used.
   */
  sentinels?: ReadonlyArray<{ host: string; port: number }>;
  sentinelName?: string;
  /** The sentinels' own password, when they have one. */
  sentinelPassword?: string;
  /** Prefix of every key and channel. Default `mcp-core`. */
  keyPrefix?: string;
  /**
   * One connection attempt. Default 5 s. This and the two below are at most 2147483647 (2^31 -
   * 1 ms, about 24.8 days, the longest a timer holds): a longer one is refused with a RangeError.
   */
  connectTimeoutMs?: number;
  /** One command, before it fails. Default 2 s. */
  commandTimeoutMs?: number;
  /** Lease of this process. Default 10 s. */
  leaseMs?: number;
  /**
   * Where failures nobody waits for go (connection errors, at most once per 10 s), without the
   * arguments of the command Redis refused (they may hold the password).
   */
  onError?: (error: unknown, operation: string) => void;
  /** Told when Redis becomes unreachable, and reachable again. */
  onStateChange?: (connected: boolean) => void;
}

const MAX_RECONNECT_DELAY_MS = 1000;

/** ioredis's error for a command that took longer than `commandTimeout`. */
const COMMAND_TIMED_OUT = 'Command timed out';

/** A write refused by a replica. */
const READONLY = /^READONLY/;

/** Whether Redis refused a write as a replica (ioredis's `reconnectOnError` gets the reply error). */
export function refusedAsReplica(error: Error): boolean {
  return READONLY.test(error.message);
}

/** ioredis's answer when a script is not (or no longer) cached by the server. */
const NOSCRIPT = /^NOSCRIPT/;

/** A Lua script run by its SHA-1, loaded again when the server forgot it (a restart). */
export type ScriptCall = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

export class RedisConnection {
  /** This process among those sharing the Redis: random, so a restarted process is a new one. */
  readonly instanceId: string;
  readonly prefix: string;
  readonly leaseMs: number;
  /** How long one command may take before it fails (and its caller gives it up). */
  readonly commandTimeoutMs: number;
  /** Connection for commands: fails fast while disconnected. */
  readonly commands: Redis;
  #subscriber: Redis | undefined;
  #blocking: Redis | undefined;
  readonly #options: RedisOptions;
  readonly #url: string;
  readonly #report: (error: unknown, operation: string) => void;
  readonly #onStateChange: ((connected: boolean) => void) | undefined;
  #connected: boolean;
  #lastError: unknown;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed: boolean;

  constructor(options: RedisConnectionOptions) {
    this.instanceId = randomBytes(9).toString('base64url');
    this.prefix = options.keyPrefix ?? 'mcp-core';
    checkTimerMs('connectTimeoutMs', options.connectTimeoutMs);
    checkTimerMs('commandTimeoutMs', options.commandTimeoutMs);
    checkTimerMs('leaseMs', options.leaseMs);
    this.leaseMs = options.leaseMs ?? 10_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.#url = options.url;
    const onError = options.onError ?? ((error, operation) => reportError(error, { operation }));
    this.#report = atMostEvery(REPORT_INTERVAL_MS, (error: unknown, operation: string) => {
      try {
        onError(withoutArguments(error), operation);
      } catch (failure) {
        reportError(failure, { operation: 'reporting a Redis failure' });
      }
    });
    this.#onStateChange = options.onStateChange;
    this.#connected = false;
    this.#lastError = undefined;
    this.#heartbeat = undefined;
    this.#closed = false;
    this.#subscriber = undefined;
    this.#blocking = undefined;
    this.#options = {
      connectTimeout: options.connectTimeoutMs ?? 5000,
      commandTimeout: this.commandTimeoutMs,
      // Fail at once while disconnected, and do not resend a command lost with its connection:
      // the caller answers its client now, and a retry is the client's to make.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
      connectionName: `mcp-core:${this.instanceId}`,
      // A primary demoted to a replica (a failover that keeps the old primary running, as
      // managed services do behind one name) refuses every write on the connections it keeps:
      // they are made again, to whatever the name or the sentinels point at now.
      reconnectOnError: (error) => {
        if (!refusedAsReplica(error)) return false;
        // What names the mistake, when the address leads to a replica for good.
        this.#lastError = error;
        return true;
      },
      ...(options.sentinels === undefined
        ? {}
        : {
            sentinels: options.sentinels.map(({ host, port }) => ({ host, port })),
            name: options.sentinelName ?? 'mymaster',
            sentinelPassword: options.sentinelPassword,
            // Told of a failover by the sentinels as it happens, not at the old primary's next failure.
            failoverDetector: true,
            sentinelRetryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
          }),
    };
    this.commands = this.#connect('commands', this.#options);
    this.commands.on('ready', () => this.#ready());
    this.commands.on('close', () => this.#lost());
    this.#renewLease();
  }

  /**
   * Why the connection failed last (a refused password, an answer that is not Redis's, a
   * timeout, a replica refusing writes), until it is ready again: while it is not, a command
   * fails only with "Stream isn't writeable", which names nothing to mend.
   */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Whether commands can be sent now. */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Resolves true once commands can be sent, or false after `timeoutMs` without Redis (the
   * connection goes on trying). Never rejects.
   */
  ready(timeoutMs: number): Promise<boolean> {
    return this.#connected ? Promise.resolve(true) : whenReady(this.commands, timeoutMs);
  }

  /** A key of this deployment. */
  key(...parts: string[]): string {
    return `${this.prefix}:${parts.join(':')}`;
  }

  /** The connection for pub/sub: subscriptions are queued while disconnected and renewed on reconnect. */
  get subscriber(): Redis {
    return (this.#subscriber ??= this.#connect('subscriber', { ...this.#options, enableOfflineQueue: true, commandTimeout: undefined }));
  }

  /**
   * The connection for blocking reads (XREAD BLOCK), which would hold up every other command.
   * Its reads wait for the connection (made on first use, or lost) instead of failing at once:
   * one read at a time is all it ever carries.
   */
  get blocking(): Redis {
    return (this.#blocking ??= this.#connect('blocking', { ...this.#options, enableOfflineQueue: true, commandTimeout: undefined }));
  }

  /** A Lua script, run by its SHA-1 and loaded again when the server forgot it. */
  script(lua: string): ScriptCall {
    const sha = createSha1(lua);
    return async (keys, args) => {
      try {
        return await this.commands.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !NOSCRIPT.test(error.message)) throw error;
        return this.commands.eval(lua, keys.length, ...keys, ...args);
      }
    };
  }

  /** Whether the process `instanceId` holds its lease (is alive). */
  async alive(instanceId: string): Promise<boolean> {
    if (instanceId === this.instanceId) return true;
    return (await this.commands.exists(this.key('lease', instanceId))) === 1;
  }

  /** Reports a failure nobody waits for, at most once per 10 s. */
  report(error: unknown, operation: string): void {
    this.#report(error, operation);
  }

  /**
   * The error a store answers a request with when its command failed. A command Redis itself
   * refused (WRONGTYPE, OOM, NOPERM, a script's error) is reported too, at most once per 10 s:
   * the connection is up and the lease may be renewed, so nothing else would say why clients
   * are answered 503. Losing Redis is reported by the connection already.
   */
  unavailable(store: StoreKind, error: unknown): StoreUnavailableError {
    if (error instanceof ReplyError) this.report(error, `Redis ${store} store`);
    return new StoreUnavailableError(store, error);
  }

  /**
   * Gives up the lease (processes still waiting on this one's tasks and streams know at once)
   * and closes every connection. Never rejects.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    if (this.#connected) await this.commands.del(this.key('lease', this.instanceId)).catch(() => {});
    for (const connection of [this.commands, this.#subscriber, this.#blocking]) connection?.disconnect();
  }

  #connect(role: string, options: RedisOptions): Redis {
    const connection = new Redis(this.#url, options);
    // Without a listener, an 'error' event would stop the process.
    connection.on('error', (error: unknown) => {
      this.#lastError = error;
      this.report(error, `Redis (${role} connection)`);
    });
    return connection;
  }

  #ready(): void {
    if (this.#connected) return;
    this.#connected = true;
    this.#lastError = undefined;
    this.#renewLease();
    this.#onStateChange?.(true);
  }

  #lost(): void {
    if (!this.#connected || this.#closed) return;
    this.#connected = false;
    this.#onStateChange?.(false);
  }

  /** Renews the lease now, then three times per lease. */
  #renewLease(): void {
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#renewLease(), Math.floor(this.leaseMs / 3));
      this.#heartbeat.unref();
    }
    if (!this.#connected) return;
    this.commands.set(this.key('lease', this.instanceId), String(process.pid), 'PX', this.leaseMs).catch((error: unknown) => {
      this.report(error, 'Redis lease');
      if (error instanceof Error && error.message === COMMAND_TIMED_OUT) this.#unresponsive();
    });
  }

  /**
   * Redis did not answer the lease within a command's time: it is stopped, hung, or the network
   * to it drops what is sent, and the connection, still open, does not know. Left so, every
   * command would wait its `commandTimeoutMs` in vain (a stateless call held that long by its
   * rate limit, every session request before its 503) and nothing would say Redis is gone.
   * Redis is taken as unreachable, as if the connection had dropped: it is made again, and
   * commands fail at once until Redis answers.
   */
  #unresponsive(): void {
    if (!this.#connected || this.#closed) return;
    this.#lost();
    this.commands.disconnect(true);
  }
}

/**
 * An ioredis error as it can be logged: a refusal carries the command it answers, arguments
 * included, and those of HELLO and AUTH hold the URL's password (of a script, its keys and
 * what it writes: an SSE event). The command's name is kept.
 */
function withoutArguments(error: unknown): unknown {
  if (!(error instanceof Error) || !isObject((error as { command?: unknown }).command)) return error;
  const bare = new Error(error.message);
  bare.name = error.name;
  if (error.stack !== undefined) bare.stack = error.stack;
  const { name } = (error as unknown as { command: { name?: unknown } }).command;
  return Object.assign(bare, { command: typeof name === 'string' ? name : 'unknown' });
}

function createSha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * Resolves true once `client` can send commands, or false after `timeoutMs` without Redis (it
 * goes on trying). Never rejects.
 */
export function whenReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(value);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}
