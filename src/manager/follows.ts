/**
 * Which callers of the gateway follow which upstream resources, and the shares that keep one
 * caller from taking every resource an upstream follows.
 *
 * A follow is of an upstream's resource as the upstream names it ({@link UpstreamResource}),
 * not of its namespaced URI: a reload that changes the separator changes every namespaced URI,
 * and a follow made under the old one must still be let go of (and its upstream told).
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

/** A resource of an upstream, by the upstream's name and its own URI for it. */
export interface UpstreamResource {
  readonly upstream: string;
  readonly uri: string;
}

/**
 * @example
 * const follows = new ResourceFollows();
 * const info = { upstream: 'up', uri: 'x://a' };
 * follows.follow(info, '203.0.113.7', () => upstream.subscribe('x://a')); // -32602 past a bound
 * if (follows.unfollow(info, '203.0.113.7')) upstream.unsubscribe('x://a');
 */
export class ResourceFollows {
  /** By upstream, then its own URI: how many follows (sessions, listens) each caller has of it. */
  readonly #followers: Map<string, Map<string, Map<string, number>>>;
  /** By caller, then upstream name: the distinct resources it follows there. */
  readonly #shares: Map<string, Map<string, number>>;

  constructor() {
    this.#followers = new Map();
    this.#shares = new Map();
  }

  /**
   * One more follow of `resource` by `caller`; `subscribe` asks the upstream to follow it when
   * it is the first, false when the upstream follows its most. Throws -32602 naming the bound
   * when the caller already follows its share of the upstream's resources, or the upstream its
   * most.
   */
  follow(resource: UpstreamResource, caller: string, subscribe: () => boolean): void {
    const { upstream, uri } = resource;
    let resources = this.#followers.get(upstream);
    let callers = resources?.get(uri);
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
      if (resources === undefined) this.#followers.set(upstream, (resources = new Map()));
      if (callers === undefined) resources.set(uri, (callers = new Map()));
      if (shares === undefined) this.#shares.set(caller, new Map([[upstream, 1]]));
      else shares.set(upstream, share + 1);
    }
    callers!.set(caller, count + 1);
  }

  /** The URIs (its own) someone follows of `upstream` (to ask a new connection of it to follow them). */
  uris(upstream: string): Iterable<string> {
    return this.#followers.get(upstream)?.keys() ?? [];
  }

  /**
   * One follow of `resource` by `caller` less; its last one gone, its share is freed. True when
   * no caller follows it any more: the upstream is to be told.
   */
  unfollow(resource: UpstreamResource, caller: string): boolean {
    const { upstream, uri } = resource;
    const resources = this.#followers.get(upstream);
    const callers = resources?.get(uri);
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
    resources!.delete(uri);
    if (resources!.size === 0) this.#followers.delete(upstream);
    return true;
  }
}
