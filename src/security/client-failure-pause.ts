/**
 * The failure pause of failure-pause.ts for a server asked on behalf of clients (the
 * introspection endpoint, asked about each client's token), where a failure may be the doing of
 * the request itself: a token crafted to make the endpoint slow (no answer in time), to crash
 * its worker (no answer, or a 502 or 504 from a gateway in front of it), costs its sender
 * nothing. Were every failure to pause everyone, as it does for the key set, one client
 * sending such a token every 5 s would shut every new token out for good.
 *
 * Counting failures by distinct tokens would not help (whoever crafts one slow token crafts
 * two), nor would a circuit breaker's count of failures in a row (one client makes them all).
 * So a failure is laid at the door of the client whose request met it (its address: the
 * resource server knows no one else before the token is verified):
 * - it pauses that client: its new tokens get the failure for `pauseMs` without asking, then
 *   one of them asks (the client's own probe), as failure-pause.ts does for everyone;
 * - it pauses everyone only when the failure before it, within `pauseMs`, was met by another
 *   client: two clients failing is the server's trouble, not one token's. One client, however
 *   many tokens or connections it uses, pauses only itself.
 * - once everyone's pause is over, one request asks (the probe; a client paused on its own is
 *   not let through to be it). The probe's failure renews everyone's pause only when it comes
 *   from another client than the failure that began or last renewed it; when it comes from the
 *   same one, the next request of another client probes at once instead of after 5 s, so a
 *   client that took part in beginning a pause cannot keep it going by always being its probe.
 *
 * An endpoint really down is then asked by one request at a time every 5 s or so, whether the
 * requests come from one client (its own pause) or many (everyone's): about as often as with one
 * pause for all. What this gives up: a client with addresses in two places (or two clients
 * acting together) can still pause everyone, as can clients behind one proxy, who are one
 * address; no rule seeing only addresses and failures tells them from an outage.
 */
import { FAILURE_PAUSE_MS } from './failure-pause.ts';

/** Clients paused on their own, at most: past it, the oldest pause is forgotten. */
export const MAX_PAUSED_CLIENTS = 1024;

interface Pause {
  readonly error: unknown;
  readonly until: number;
  /** The client whose failure began or last renewed it. */
  readonly client: string;
  probing: boolean;
}

/**
 * @example
 * const pause = new ClientFailurePause();
 * await pause.run(clientKey(undefined, head.remoteAddress), () => introspect(token), pausesAll);
 */
export class ClientFailurePause {
  readonly pauseMs: number;
  readonly #maxClients: number;
  readonly #clients: Map<string, Pause>;
  #all: Pause | undefined;
  #last: { readonly client: string; readonly at: number } | undefined;

  constructor(pauseMs = FAILURE_PAUSE_MS, maxClients = MAX_PAUSED_CLIENTS) {
    this.pauseMs = pauseMs;
    this.#maxClients = maxClients;
    this.#clients = new Map();
    this.#all = undefined;
    this.#last = undefined;
  }

  /** Clients paused on their own now (or whose pause lapsed unprobed), at most `maxClients`. */
  get pausedClients(): number {
    return this.#clients.size;
  }

  /**
   * Runs `attempt` for `client`, unless its own pause or everyone's answers it: then rejects
   * with that failure at once. A failure for which `pauses` is true counts as above; another
   * (a refusal only the request's content caused) pauses nothing and ends a probe like an answer.
   */
  async run<T>(client: string, attempt: () => Promise<T>, pauses: (error: unknown) => boolean): Promise<T> {
    const own = this.#clients.get(client);
    const all = this.#all;
    const now = performance.now();
    for (const pause of [own, all]) if (pause !== undefined && (now < pause.until || pause.probing)) throw pause.error;
    if (own !== undefined) own.probing = true;
    if (all !== undefined) all.probing = true;
    try {
      const result = await attempt();
      this.#over(client, own, all);
      return result;
    } catch (error) {
      if (pauses(error)) this.#failed(client, error, all);
      else this.#over(client, own, all);
      throw error;
    } finally {
      if (own !== undefined) own.probing = false;
      if (all !== undefined) all.probing = false;
    }
  }

  /** Probes answered: their pauses are over, unless a later failure began others. */
  #over(client: string, own: Pause | undefined, all: Pause | undefined): void {
    if (own !== undefined && this.#clients.get(client) === own) this.#clients.delete(client);
    if (all !== undefined && this.#all === all) this.#all = undefined;
  }

  /** `probed`: everyone's pause this request was the probe of, if it was. */
  #failed(client: string, error: unknown, probed: Pause | undefined): void {
    const now = performance.now();
    const pause = { error, until: now + this.pauseMs, client, probing: false };
    // Renewed pauses go to the end, so the first is the one to lapse first.
    this.#clients.delete(client);
    this.#clients.set(client, pause);
    if (this.#clients.size > this.#maxClients) this.#clients.delete(this.#clients.keys().next().value!);
    const last = this.#last;
    this.#last = { client, at: now };
    const current = this.#all;
    if (current !== undefined) {
      if (current.client !== client) this.#all = { ...pause };
      // Its own probe failed again: another client's next request asks at once.
      else if (current === probed) this.#all = { ...current, until: now, probing: false };
    } else if (last !== undefined && last.client !== client && now - last.at < this.pauseMs) {
      this.#all = { ...pause };
    }
  }
}
