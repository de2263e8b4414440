/**
 * Legacy HTTP sessions by Mcp-Session-Id: created on `initialize`, expired when idle, capped
 * in number so a flood of handshakes cannot exhaust memory.
 */
import { randomUUID } from 'node:crypto';
import { LATEST_LEGACY_VERSION } from '../protocol/versions.ts';
import { LegacySession } from './legacy-session.ts';

export interface SessionStoreOptions {
  /** Sessions idle this long are closed. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** Most sessions held at once; `initialize` beyond it is refused. Default 10,000. */
  maxSessions?: number;
  /** Called when a session ends (deleted or expired), to release what hangs off it. */
  onClose?: (session: LegacySession) => void;
}

export class SessionStore {
  readonly #sessions: Map<string, LegacySession>;
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
  readonly #onClose: ((session: LegacySession) => void) | undefined;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: SessionStoreOptions = {}) {
    this.#sessions = new Map();
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.#onClose = options.onClose;
    this.#sweeper = undefined;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get full(): boolean {
    return this.#sessions.size >= this.maxSessions;
  }

  /** A new session, not yet stored: it is kept only once `initialize` succeeds. */
  create(): LegacySession {
    return new LegacySession(randomUUID(), LATEST_LEGACY_VERSION);
  }

  add(session: LegacySession): void {
    this.#sessions.set(session.id!, session);
    this.#startSweeper();
  }

  /** The live session with this id, marked active. */
  get(id: string): LegacySession | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.closed) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastActive = Date.now();
    return session;
  }

  delete(id: string): boolean {
    const session = this.#sessions.get(id);
    if (session === undefined) return false;
    this.#sessions.delete(id);
    this.#end(session);
    return true;
  }

  /** Closes every session (server shutdown). */
  clear(): void {
    for (const session of this.#sessions.values()) this.#end(session);
    this.#sessions.clear();
    this.#stopSweeper();
  }

  #end(session: LegacySession): void {
    session.close();
    this.#onClose?.(session);
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
    for (const [id, session] of this.#sessions) {
      // A session listening on its GET stream is in use, however quiet.
      if (session.outlet?.connected && !session.closed) session.lastActive = now;
      if (session.closed || now - session.lastActive > this.idleTimeoutMs) {
        this.#sessions.delete(id);
        this.#end(session);
      }
    }
    if (this.#sessions.size === 0) this.#stopSweeper();
  }
}
