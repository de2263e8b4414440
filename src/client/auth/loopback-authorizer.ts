/**
 * The authorizer of command-line and desktop clients: the redirect URI is a loopback address
 * (RFC 8252 Section 7.3: `http://127.0.0.1:PORT/callback`, any port), the user is shown the
 * authorization URL (printed, or opened in a browser by the `open` callback), and a one-shot
 * HTTP listener on that port receives the redirect: the first request to the callback path that
 * carries the state of the authorization request (others are answered 400 and ignored).
 */
import { createServer, type Server } from 'node:http';
import { timerHolds } from '../../protocol/timer-limit.ts';
import type { AddressInfo } from 'node:net';
import type { Authorizer } from './authorization-code.ts';
import { OAuthError } from './oauth-error.ts';

export interface LoopbackAuthorizerOptions {
  /** The port to listen on. Default 0: any free port. */
  port?: number;
  /** The callback path. Default `/callback`. */
  path?: string;
  /** Shows the URL to the user. Default: prints it to stderr. */
  open?: (url: URL) => void | Promise<void>;
  /**
   * How long to wait for the user. Default 5 minutes. Longer than a timer holds (2^31 - 1 ms,
   * about 24.8 days; Infinity too): no limit, the wait ends with the redirect.
   */
  timeoutMs?: number;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>Signed in</title><p>You can close this window and return to the terminal.</p>';

/**
 * @example
 * const authorizer = new LoopbackAuthorizer({ open: (url) => console.error(`Open ${url} to sign in`) });
 * new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer } });
 */
export class LoopbackAuthorizer implements Authorizer {
  readonly #options: LoopbackAuthorizerOptions;
  #server: Server | undefined;
  #redirectUri: string | undefined;

  constructor(options: LoopbackAuthorizerOptions = {}) {
    this.#options = options;
    this.#server = undefined;
    this.#redirectUri = undefined;
  }

  async redirectUri(): Promise<string> {
    if (this.#redirectUri !== undefined) return this.#redirectUri;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port ?? 0, '127.0.0.1', () => resolve());
    });
    // Not the reason the process stays alive until a sign-in waits on it.
    server.unref();
    this.#server = server;
    this.#redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${this.#options.path ?? '/callback'}`;
    return this.#redirectUri;
  }

  async authorize(url: URL): Promise<URL> {
    const redirect = new URL(await this.redirectUri());
    const server = this.#server!;
    const state = url.searchParams.get('state');
    // The user is signing in: the process waits for the redirect.
    server.ref();
    try {
      const callback = new Promise<URL>((resolve, reject) => {
        const timeoutMs = this.#options.timeoutMs ?? 300_000;
        const timer = timerHolds(timeoutMs) ? setTimeout(() => reject(new OAuthError('Timed out waiting for the authorization redirect')), timeoutMs) : undefined;
        timer?.unref();
        server.on('request', (request, response) => {
          const received = new URL(request.url ?? '/', redirect);
          if (received.pathname !== redirect.pathname) {
            response.writeHead(404).end();
            return;
          }
          // Anyone on this machine, or any web page in the user's browser, can reach the
          // listener: a request without the state of this sign-in is not its redirect, and must
          // not end it (OAuth 2.1 Section 7.5.1, CSRF). The real one is still awaited.
          if (state !== null && received.searchParams.get('state') !== state) {
            response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('This is not the redirect of the sign-in in progress.\n');
            return;
          }
          clearTimeout(timer);
          // `connection: close`: the browser's connection ends with the page. The sign-in goes
          // on (and the listener closes) once the page is sent or the browser gone, so closing
          // the listener's connections cannot cut the page short.
          response.once('close', () => resolve(received));
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' }).end(PAGE);
        });
      });
      // Awaited below, once `open` is done; the timeout may reject it before then.
      callback.catch(() => undefined);
      const open = this.#options.open ?? ((target: URL) => void process.stderr.write(`Open this URL to authorize:\n  ${target.href}\n`));
      await open(url);
      return await callback;
    } finally {
      await this.close();
    }
  }

  /**
   * Stops listening and ends every connection to the listener (done by `authorize` itself; for
   * a flow abandoned before it). Resolves once the listener is closed and its port free.
   * Browsers keep connections open (keep-alive, and sockets opened ahead of a request that may
   * never come): `server.close()` alone waits for those until the headers timeout (60 s), and
   * so did the process (`mcp-core login`) that signed in.
   *
   * @example
   * const authorizer = new LoopbackAuthorizer();
   * const redirectUri = await authorizer.redirectUri();
   * // ... the user gave up before the sign-in began
   * await authorizer.close();
   */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#redirectUri = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
