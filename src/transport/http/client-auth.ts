/**
 * The seam through which the Streamable HTTP client transport authenticates: an
 * {@link HttpClientAuth} gives the headers of each request and answers 401/403 challenges.
 * The transport knows nothing of OAuth; the client's OAuth machinery (client/auth/) implements
 * this interface, and so can anything else (a static API key, a signed-request scheme).
 *
 * Spec: 2026-07-28 basic/authorization (Access Token Usage: authorization on every HTTP
 * request; Scope Challenge Handling: retry after re-authorization, a few times at most).
 */

/** What the auth layer is told of one HTTP request. */
export interface AuthRequest {
  readonly url: URL;
  readonly method: string;
}

/**
 * @example
 * const apiKey: HttpClientAuth = {
 *   headers: () => ({ 'x-api-key': process.env.KEY! }),
 *   challenge: async () => false,
 * };
 * new StreamableHttpClientTransport(url, { auth: apiKey });
 */
export interface HttpClientAuth {
  /** Headers for one request (`Authorization`, `DPoP`, ...); an empty object for none. */
  headers(request: AuthRequest): Record<string, string> | Promise<Record<string, string>>;
  /**
   * The server answered 401 or 403. Resolves true when the request should be sent again with
   * fresh headers (after authorization, a token refresh, a new DPoP nonce), false to give the
   * answer to the caller as it is. Rejects when authorization failed for good.
   */
  challenge(response: Response, request: AuthRequest): Promise<boolean>;
  /** Every other answer, so the auth layer can learn from its headers (e.g. `DPoP-Nonce`). */
  observe?(response: Response, request: AuthRequest): void;
}

/** Challenge rounds for one request: a first authorization and two step-ups at most. */
const MAX_CHALLENGE_ROUNDS = 3;

/**
 * Wraps `fetch` so every request carries the auth headers and a 401/403 answer is handed to
 * `auth.challenge` and retried while it says so. The body must be replayable (a string), as
 * the transport's bodies are.
 */
export function authorizedFetch(base: typeof fetch, auth: HttpClientAuth): typeof fetch {
  return async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const request: AuthRequest = { url, method: (init.method ?? 'GET').toUpperCase() };
    for (let round = 0; ; round++) {
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(await auth.headers(request))) headers.set(name, value);
      const response = await base(url, { ...init, headers });
      if ((response.status !== 401 && response.status !== 403) || round >= MAX_CHALLENGE_ROUNDS) {
        auth.observe?.(response, request);
        return response;
      }
      if (!(await auth.challenge(response, request))) return response;
      await response.body?.cancel();
    }
  };
}
