/**
 * Legacy sessions in Redis: every process behind one endpoint reads and writes the same
 * records, so any of them serves any session, without sticky routing.
 *
 * - A record expires after the idle timeout by Redis TTL; each request refreshes it, and each
 *   process refreshes those of its sessions in use (a stream open, a call running) on its
 *   sweep timer.
 * - Each process keeps a copy of the sessions it serves (a {@link LegacySession}, with what it
 *   does here: requests waiting for the client, its GET stream). Every request reads the
 *   record again (one script call), so a change or a DELETE made through another process is
 *   seen at once; the bus tells the other processes so they let go of what they hold.
 * - Quotas hold across processes: the per-client and total bounds are checked and made room
 *   for inside one script, evicting the least recently used session (in use or not: which
 *   sessions are in use is each process's own knowledge; those in use are refreshed, so they
 *   are rarely the least recently used).
 * - Redis unreachable (`policy`): `closed` rejects with StoreUnavailableError (503 over HTTP);
 *   `open` serves the sessions this process holds from its copies, and still refuses others.
 */
import { randomUUID } from 'node:crypto';
import { isMintedId } from '../../protocol/guards.ts';
import { LATEST_LEGACY_VERSION } from '../../protocol/versions.ts';
import type { Bus, BusMessage } from '../bus.ts';
import { LegacySession } from '../legacy-session.ts';
import { parseSessionRecord } from '../session-record.ts';
import type { NoRoom, SessionLimitOptions, SessionRuntime, SessionStore } from '../session-store.ts';
import type { RedisConnection, ScriptCall } from './connection.ts';
import { CREATE, DELETE, SAVE, TOUCH } from './session-scripts.ts';

/** What to do while Redis cannot be reached. */
export type UnavailablePolicy = 'closed' | 'open';

/** This process's copy of a session, and the record text it was last made from. */
interface Copy {
  readonly session: LegacySession;
  text: string | undefined;
}

export class RedisSessionStore implements SessionStore {
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
  readonly maxSessionsPerClient: number;
  readonly #redis: RedisConnection;
  readonly #bus: Bus;
  readonly #runtime: SessionRuntime;
  readonly #policy: UnavailablePolicy;
  readonly #copies: Map<string, Copy>;
  readonly #all: string;
  readonly #recordPrefix: string;
  readonly #clientPrefix: string;
  readonly #requestIdPrefix: string;
  readonly #touch: ScriptCall;
  readonly #create: ScriptCall;
  readonly #save: ScriptCall;
  readonly #delete: ScriptCall;
  readonly #unsubscribe: () => void;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(redis: RedisConnection, bus: Bus, limits: SessionLimitOptions, runtime: SessionRuntime, policy: UnavailablePolicy = 'closed') {
    this.idleTimeoutMs = limits.idleTimeoutMs ?? 30 * 60_000;
    this.maxSessions = limits.maxSessions ?? 10_000;
    this.maxSessionsPerClient = limits.maxSessionsPerClient ?? 1000;
    this.#redis = redis;
    this.#bus = bus;
    this.#runtime = runtime;
    this.#policy = policy;
    this.#copies = new Map();
    this.#all = redis.key('sessions');
    this.#recordPrefix = redis.key('session', '');
    this.#clientPrefix = redis.key('client', '');
    // Server-to-client request ids name this process, so an answer finds its request only here.
    this.#requestIdPrefix = `s.${redis.instanceId}.`;
    this.#touch = redis.script(TOUCH);
    this.#create = redis.script(CREATE);
    this.#save = redis.script(SAVE);
    this.#delete = redis.script(DELETE);
    this.#unsubscribe = bus.subscribe((message) => this.#heard(message));
    this.#sweeper = undefined;
  }

  get size(): number {
    return this.#copies.size;
  }

  create(client = '', owner?: string): LegacySession {
    const session = new LegacySession(randomUUID(), LATEST_LEGACY_VERSION);
    session.client = client;
    session.owner = owner;
    return session;
  }

  async add(session: LegacySession): Promise<NoRoom | undefined> {
    const id = session.id!;
    session.lastActive = Date.now();
    const text = JSON.stringify(session.toRecord());
    let evicted: unknown;
    try {
      evicted = await this.#create(
        [this.#recordPrefix + id, this.#all, this.#clientPrefix + session.client],
        [text, this.idleTimeoutMs, session.lastActive, this.maxSessions, this.maxSessionsPerClient, this.#recordPrefix, this.#clientPrefix, id],
      );
    } catch (error) {
      throw this.#redis.unavailable('session', error);
    }
    this.#adopt(session, text);
    if (Array.isArray(evicted)) {
      for (const victim of evicted) {
        if (typeof victim !== 'string') continue;
        this.#bus.publish({ type: 'sessionDeleted', sessionId: victim });
        this.forget(victim);
      }
    }
    return undefined;
  }

  async get(id: string): Promise<LegacySession | undefined> {
    // The client's Mcp-Session-Id: an id this store never made is unknown, and never becomes
    // part of a key (bounded, and no string of the client's reaches Redis).
    if (!isMintedId(id)) return undefined;
    const now = Date.now();
    let text: unknown;
    try {
      text = await this.#touch([this.#recordPrefix + id, this.#all], [this.idleTimeoutMs, now, this.#clientPrefix, id]);
    } catch (error) {
      const copy = this.#copies.get(id);
      if (this.#policy === 'open' && copy !== undefined && !copy.session.closed) {
        this.#redis.report(error, 'Redis session store (serving from this process\'s copy)');
        return copy.session;
      }
      throw this.#redis.unavailable('session', error);
    }
    if (typeof text !== 'string') {
      // Ended elsewhere, or expired: whatever this process holds for it goes too.
      this.forget(id);
      return undefined;
    }
    const copy = this.#copies.get(id);
    if (copy === undefined || copy.session.closed) {
      const record = parseSessionRecord(text);
      if (record === undefined || record.id !== id) return undefined;
      return this.#adopt(LegacySession.fromRecord(record), text);
    }
    // Changed through another process since this copy was made (unless a write of ours is
    // still in flight: it is newer).
    if (copy.text !== text && copy.session.saving === undefined) {
      const record = parseSessionRecord(text);
      if (record !== undefined) copy.session.apply(record);
      copy.text = text;
    }
    copy.session.lastActive = now;
    return copy.session;
  }

  peek(id: string): LegacySession | undefined {
    return this.#copies.get(id)?.session;
  }

  async delete(id: string): Promise<boolean> {
    let existed: unknown;
    try {
      existed = await this.#delete([this.#recordPrefix + id, this.#all], [this.#clientPrefix, id]);
    } catch (error) {
      throw this.#redis.unavailable('session', error);
    }
    this.#bus.publish({ type: 'sessionDeleted', sessionId: id });
    this.forget(id);
    return existed === 1;
  }

  forget(id: string): void {
    const copy = this.#copies.get(id);
    if (copy === undefined) return;
    this.#copies.delete(id);
    copy.session.close();
    this.#runtime.closed(copy.session);
  }

  /** Lets go of this process's copies; the records stay for the other processes. */
  clear(): void {
    for (const id of [...this.#copies.keys()]) this.forget(id);
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#unsubscribe();
  }

  /**
   * Refreshes the records of sessions in use here (so they do not expire while quiet), and
   * lets go of copies whose record is gone (a DELETE whose bus message was missed, an expiry).
   */
  sweep(now = Date.now()): void {
    this.#sweepCopies(now).catch((error: unknown) => this.#redis.report(error, 'Redis session store sweep'));
    this.#runtime.sweep?.(now);
  }

  async #sweepCopies(now: number): Promise<void> {
    if (!this.#redis.connected) return;
    const checks: Array<Promise<void>> = [];
    for (const [id, copy] of this.#copies) {
      if (this.#runtime.inUse(copy.session)) {
        copy.session.lastActive = now;
        checks.push(this.get(id).then(() => {}));
      } else {
        checks.push(
          this.#redis.commands.exists(this.#recordPrefix + id).then((found) => {
            if (found === 0) this.forget(id);
          }),
        );
      }
    }
    await Promise.all(checks);
  }

  /** Keeps a copy of a session, wired to write its changes here. */
  #adopt(session: LegacySession, text: string): LegacySession {
    session.requestIdPrefix = this.#requestIdPrefix;
    session.saver = (changed) => this.#write(changed);
    this.#copies.set(session.id!, { session, text });
    this.#startSweeper();
    return session;
  }

  /** Writes a changed record and tells the other processes (they update their copies). */
  async #write(session: LegacySession): Promise<void> {
    const id = session.id!;
    session.lastActive = Date.now();
    const record = session.toRecord();
    const text = JSON.stringify(record);
    try {
      await this.#save([this.#recordPrefix + id, this.#all, this.#clientPrefix + session.client], [text, this.idleTimeoutMs, session.lastActive, id]);
    } catch (error) {
      if (this.#policy === 'open') return this.#redis.report(error, 'Redis session store (change kept in this process only)');
      throw this.#redis.unavailable('session', error);
    }
    const copy = this.#copies.get(id);
    if (copy?.session === session) copy.text = text;
    this.#bus.publish({ type: 'sessionChanged', record });
  }

  /** Another process changed or ended a session. What the bus carries is checked. */
  #heard(message: BusMessage): void {
    if (message.type === 'sessionDeleted') {
      if (typeof message.sessionId === 'string') this.forget(message.sessionId);
    } else if (message.type === 'sessionChanged') {
      const record = parseSessionRecord(JSON.stringify(message.record));
      const copy = record === undefined ? undefined : this.#copies.get(record.id);
      if (copy === undefined || copy.session.saving !== undefined) return;
      copy.session.apply(record!);
      copy.text = undefined;
    }
  }

  /** One coarse timer for every copy, at the memory store's pace. */
  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    const interval = Math.max(1000, Math.min(this.idleTimeoutMs / 2, 60_000));
    this.#sweeper = setInterval(() => this.sweep(), interval);
    this.#sweeper.unref();
  }
}
