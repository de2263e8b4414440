/**
 * Legacy HTTP sessions by Mcp-Session-Id: the {@link SessionStore} contract every store
 * meets, and the in-memory store, the default.
 *
 * Sessions are created on `initialize`, expired when idle, and bounded twice so that no client
 * can lock others out:
 * - per client (its principal's subject, or its address without authentication): past its
 *   quota, a client's new session replaces its own least recently used idle one;
 * - in all: when the table is full, a new session replaces the least recently used idle
 *   session of anyone.
 * Only when every candidate is in use (a request in flight, a stream open) is `initialize`
 * refused, and then only for as long as that lasts.
 */
import { randomUUID } from 'node:crypto';
import { LATEST_LEGACY_VERSION } from '../protocol/versions.ts';
import { LegacySession } from './legacy-session.ts';

export interface SessionLimitOptions {
  /** Sessions idle this long are closed. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** Most sessions held at once. Default 10,000. */
  maxSessions?: number;
  /** Most sessions one client holds at once. Default 1,000. */
  maxSessionsPerClient?: number;
}

export interface SessionStoreOptions extends SessionLimitOptions {
  /**
   * Makes the store, given what the transport keeps beside it; the in-memory store when
   * unset. A shared store (`createRedisStores(...).sessions`) lets any process serve any
   * session.
   */
  store?: SessionStoreFactory;
}

export type SessionStoreFactory = (limits: SessionLimitOptions, runtime: SessionRuntime) => SessionStore;

/**
 * Where legacy sessions are kept. Methods that may need I/O return a value or a promise:
 * callers check (`instanceof Promise`) and stay synchronous for the in-memory store, whose
 * answers are immediate. A store that cannot be reached rejects with `StoreUnavailableError`.
 */
export interface SessionStore {
  readonly idleTimeoutMs: number;
  /** Sessions this process holds. */
  readonly size: number;
  /** A new session, not yet stored: it is kept only once `initialize` succeeds. */
  create(client: string, owner?: string): LegacySession;
  /**
   * Optional early check, before the handshake runs: makes room for one more session of
   * `client` if it can without I/O, else says why not.
   */
  makeRoom?(client: string): NoRoom | undefined;
  /** Keeps a session whose handshake succeeded, making room for it; or says why it could not. */
  add(session: LegacySession): NoRoom | undefined | Promise<NoRoom | undefined>;
  /** The session with this id, marked active; undefined when unknown, ended or expired. */
  get(id: string): LegacySession | undefined | Promise<LegacySession | undefined>;
  /** The session if this process holds it now, without asking anyone (a bus message names it). */
  peek(id: string): LegacySession | undefined;
  /** Ends a session everywhere. False when it was unknown. */
  delete(id: string): boolean | Promise<boolean>;
  /** This process lets go of a session another ended (its runtime closes); the record is not touched. */
  forget(id: string): void;
  /**
   * This process lets go of every session (shutdown). The in-memory store ends them; a shared
   * store keeps them for the other processes.
   */
  clear(): void;
  /** Housekeeping on the store's timer; callable directly in tests. */
  sweep(now?: number): void;
}

/**
 * What the process serving a store's sessions keeps beside them (open streams, requests in
 * flight): told when a session ends, asked whether one is in use.
 */
export interface SessionRuntime {
  /** A session ended (deleted, expired, evicted or shut down): release what hangs off it. */
  closed(session: LegacySession): void;
  /** Whether the session is in use right now; such a session is neither expired nor evicted. */
  inUse(session: LegacySession): boolean;
  /** Runs on every sweep of the store's timer, for the runtime's own housekeeping. */
  sweep?(now: number): void;
}

/** Why {@link SessionStore.makeRoom} could not make room. */
export type NoRoom = 'client' | 'server';

const NO_RUNTIME: SessionRuntime = {
  closed() {},
  inUse: (session) => session.outlet?.connected === true,
};

export class MemorySessionStore implements SessionStore {
  /** Least recently used first: a session moves to the end when it is used. */
  readonly #sessions: Map<string, LegacySession>;
  /** Each client's sessions (see `LegacySession.client`). */
  readonly #byClient: Map<string, Set<LegacySession>>;
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
  readonly maxSessionsPerClient: number;
  readonly #runtime: SessionRuntime;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: SessionLimitOptions = {}, runtime: SessionRuntime = NO_RUNTIME) {
    this.#sessions = new Map();
    this.#byClient = new Map();
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.maxSessionsPerClient = options.maxSessionsPerClient ?? 1000;
    this.#runtime = runtime;
    this.#sweeper = undefined;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** How many sessions a client holds. */
  countOf(client: string): number {
    return this.#byClient.get(client)?.size ?? 0;
  }

  create(client = '', owner?: string): LegacySession {
    const session = new LegacySession(randomUUID(), LATEST_LEGACY_VERSION);
    session.client = client;
    session.owner = owner;
    return session;
  }

  /**
   * Makes room for one more session of `client`, evicting the least recently used idle
   * session of that client (past its quota) or of anyone (table full). Returns why it could
   * not, when every candidate is in use.
   */
  makeRoom(client: string): NoRoom | undefined {
    const own = this.#byClient.get(client);
    if (own !== undefined && own.size >= this.maxSessionsPerClient) {
      const victim = this.#leastRecentIdle(own, false);
      if (victim === undefined) return 'client';
      this.#remove(victim);
    }
    if (this.#sessions.size >= this.maxSessions) {
      const victim = this.#leastRecentIdle(this.#sessions.values(), true);
      if (victim === undefined) return 'server';
      this.#remove(victim);
    }
    return undefined;
  }

  add(session: LegacySession): NoRoom | undefined {
    // Room is made again: other handshakes may have finished meanwhile.
    const noRoom = this.makeRoom(session.client);
    if (noRoom !== undefined) return noRoom;
    this.#sessions.set(session.id!, session);
    let own = this.#byClient.get(session.client);
    if (own === undefined) this.#byClient.set(session.client, (own = new Set()));
    own.add(session);
    this.#startSweeper();
    return undefined;
  }

  /** The live session with this id, marked active. */
  get(id: string): LegacySession | undefined {
    const sessions = this.#sessions;
    const session = sessions.get(id);
    if (session === undefined) return undefined;
    if (session.closed) {
      this.#forget(session);
      return undefined;
    }
    session.lastActive = Date.now();
    // Move to the end: the map stays in least-recently-used order for eviction.
    sessions.delete(id);
    sessions.set(id, session);
    return session;
  }

  peek(id: string): LegacySession | undefined {
    return this.#sessions.get(id);
  }

  delete(id: string): boolean {
    const session = this.#sessions.get(id);
    if (session === undefined) return false;
    this.#remove(session);
    return true;
  }

  forget(id: string): void {
    this.delete(id);
  }

  /** Closes every session (server shutdown). */
  clear(): void {
    for (const session of [...this.#sessions.values()]) this.#remove(session);
    this.#stopSweeper();
  }

  /**
   * The least recently used session that is not in use. Over the whole table the map's order
   * finds it at once; within one client (at most its quota) the oldest `lastActive` wins.
   */
  #leastRecentIdle(candidates: Iterable<LegacySession>, ordered: boolean): LegacySession | undefined {
    let best: LegacySession | undefined;
    for (const session of candidates) {
      if (this.#runtime.inUse(session)) continue;
      if (ordered) return session;
      if (best === undefined || session.lastActive < best.lastActive) best = session;
    }
    return best;
  }

  #remove(session: LegacySession): void {
    this.#forget(session);
    session.close();
    this.#runtime.closed(session);
  }

  #forget(session: LegacySession): void {
    this.#sessions.delete(session.id!);
    const own = this.#byClient.get(session.client);
    if (own !== undefined && own.delete(session) && own.size === 0) this.#byClient.delete(session.client);
  }

  /** One coarse timer for all sessions, instead of one per session. */
  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    const interval = Math.max(1000, Math.min(this.idleTimeoutMs / 2, 60_000));
    this.#sweeper = setInterval(() => this.sweep(), interval);
    this.#sweeper.unref();
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** Closes sessions idle past the timeout. Runs on a timer; callable directly in tests. */
  sweep(now = Date.now()): void {
    for (const session of [...this.#sessions.values()]) {
      // A session in use (listening on its GET stream, a call running) is active, however quiet.
      if (!session.closed && this.#runtime.inUse(session)) session.lastActive = now;
      if (session.closed || now - session.lastActive > this.idleTimeoutMs) this.#remove(session);
    }
    this.#runtime.sweep?.(now);
    if (this.#sessions.size === 0) this.#stopSweeper();
  }
}
