/**
 * An authorizer for tests: it plays a browser whose user consents at once.
 */
import type { Authorizer } from '../client/auth/authorization-code.ts';

/**
 * An authorizer for tests against an authorization server that consents by itself: it follows
 * the authorization server's redirects (without a browser) until one leads to `redirectUri`,
 * and returns that URL. Never use it against a real server: it skips the user's consent.
 *
 * @example
 * const auth = new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer: new RedirectFollowingAuthorizer() } });
 */
export class RedirectFollowingAuthorizer implements Authorizer {
  readonly #redirectUri: string;
  readonly #fetch: typeof fetch;

  constructor(redirectUri = 'http://127.0.0.1:33418/callback', fetchFn: typeof fetch = fetch) {
    this.#redirectUri = redirectUri;
    this.#fetch = fetchFn;
  }

  redirectUri(): string {
    return this.#redirectUri;
  }

  async authorize(url: URL): Promise<URL> {
    let next = url;
    for (let hop = 0; hop < 10; hop++) {
      const response = await this.#fetch(next, { redirect: 'manual' });
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (location === null) throw new Error(`The authorization server answered HTTP ${response.status} without a redirect`);
      next = new URL(location, next);
      if (next.href.startsWith(this.#redirectUri)) return next;
    }
    throw new Error('Too many redirects before the callback');
  }
}
