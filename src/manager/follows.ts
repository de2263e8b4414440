/**
 * Which callers of the gateway follow which upstream resources, and the shares that keep one
 * caller from taking every resource an upstream follows.
 *
 * An upstream follows at most {@link MAX_SUBSCRIPTIONS} resources for all the gateway's callers.
 * Without a share, a few 2025 sessions of 256 subscriptions each (or 2026-07-28
 * listens) filled it, and every other caller's subscription to that upstream's resources was
 * then followed by no one. So a caller (security/client-key.ts: its principal's subject, or
 * its address) follows at most {@link MAX_CALLER_SUBSCRIPTIONS} distinct resources of one
 * upstream, however many sessions and listens it spreads them over; a resource several callers
 * follow is followed upstream once, and counts once toward the upstream's bound.
 */
import { invalidParams } from '../protocol/wire-errors.ts';

/** Resources one upstream is asked to send updates of, at most, for every caller together. */
export const MAX_SUBSCRIPTIONS = 1000;

/**
 * Distinct resources of one upstream one caller may follow: as many as a 2025 session may
 * subscribe to by default, about a quarter of what the upstream follows for everyone.
 */
export const MAX_CALLER_SUBSCRIPTIONS = 256;

/**
 * @example
 * const follows = new ResourceFollows();
 * follows.follow('x://up__a', 'up', '203.0.113.7', () => upstream.subscribe('x://a')); // -32602 past a bound
 * if (follows.unfollow('x://up__a', 'up', '203.0.113.7')) upstream.unsubscribe('x://a');
 */
export class ResourceFollows {
  /** By namespaced URI: how many follows (sessions, listens) each caller has of it. */
  readonly #followers: Map<string, Map<string, number>>;
  /** By caller, then upstream name: the distinct resources it follows there. */
  readonly #shares: Map<string, Map<string, number>>;

  constructor() {
    this.#followers = new Map();
    this.#shares = new Map();
  }

  /**
   * One more follow of `uri` (namespaced, of upstream `upstream`) by `caller`; `subscribe`
   * asks the upstream to follow it when it is the first, false when the upstream follows its
   * most. Throws -32602 naming the bound when the caller already follows its share of the
   * upstream's resources, or the upstream its most.
   */
  follow(uri: string, upstream: string, caller: string, subscribe: () => boolean): void {
    let callers = this.#followers.get(uri);
    const count = callers?.get(caller) ?? 0;
    if (count === 0) {
      const shares = this.#shares.get(caller);
      const share = shares?.get(upstream) ?? 0;
      if (share >= MAX_CALLER_SUBSCRIPTIONS) {
        throw invalidParams(`Invalid params: this client already follows ${MAX_CALLER_SUBSCRIPTIONS} resources of upstream "${upstream}", the most one client may (the upstream follows at most ${MAX_SUBSCRIPTIONS} for all clients together)`);
      }
      if (callers === undefined && !subscribe()) {
        throw invalidParams(`Invalid params: upstream "${upstream}" already follows ${MAX_SUBSCRIPTIONS} resources for the gateway's clients, the most it may`);
      }
      if (callers === undefined) this.#followers.set(uri, (callers = new Map()));
      if (shares === undefined) this.#shares.set(caller, new Map([[upstream, 1]]));
      else shares.set(upstream, share + 1);
    }
    callers!.set(caller, count + 1);
  }

  /** The namespaced URIs someone follows (to ask a new connection of their upstream to follow them). */
  uris(): IterableIterator<string> {
    return this.#followers.keys();
  }

  /**
   * One follow of `uri` by `caller` less; its last one gone, its share is freed. True when
   * no caller follows it any more: the upstream is to be told.
   */
  unfollow(uri: string, upstream: string, caller: string): boolean {
    const callers = this.#followers.get(uri);
    const count = callers?.get(caller);
    if (callers === undefined || count === undefined) return false;
    if (count > 1) {
      callers.set(caller, count - 1);
      return false;
    }
    callers.delete(caller);
    const shares = this.#shares.get(caller)!;
    const share = shares.get(upstream)! - 1;
    if (share > 0) shares.set(upstream, share);
    else if (shares.delete(upstream) && shares.size === 0) this.#shares.delete(caller);
    if (callers.size > 0) return false;
    this.#followers.delete(uri);
    return true;
  }
}
