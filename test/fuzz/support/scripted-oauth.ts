/**
 * A hostile MCP server and its hostile authorization server on one 127.0.0.1 origin, playing a
 * generated script (oauth-answers.ts): each request to `/mcp`, to the protected resource
 * metadata, to any authorization server metadata URL, to registration, to the token endpoint
 * and to the authorization endpoint takes the next generated answer of its kind; once that is
 * spent, or once the test says so, it answers as a proper server would. It watches what the
 * client sends: an access token anywhere but on `/mcp`, a refresh token or a client secret in
 * a GET or to `/mcp`, the pre-registered secret anywhere but a token endpoint its issuer's
 * metadata named, and every URL the client's fetch and its browser are sent to (http(s) only,
 * clear text on loopback only). Every token and secret it hands out is recorded, so that a test
 * can look for them in the client's errors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { Authorizer } from '../../../src/client/auth/authorization-code.ts';
import { toJsonText } from './arbitraries.ts';
import type { Answer, OAuthScript, Redirect } from './oauth-answers.ts';
import { properAnswer } from './proper-answers.ts';

/** The secret of the client pre-registered with the issuer `$BASE` (client credentials). */
export const CLIENT_SECRET = 'pre-registered-secret-6b1f0e';
/** Where the fuzz browser says it would be redirected back to (nothing listens there). */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
/** How long the fuzz browser waits for the authorization endpoint. */
const BROWSER_TIMEOUT_MS = 1000;

const gzipBombs = new Map<number, Buffer>();
function gzipBomb(size: number): Buffer {
  let bomb = gzipBombs.get(size);
  if (bomb === undefined) gzipBombs.set(size, (bomb = gzipSync(Buffer.alloc(size, 0x20))));
  return bomb;
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

export class ScriptedOAuthServer {
  readonly #server: Server;
  readonly #script: OAuthScript;
  #behaving = false;
  #counter = 0;
  /** Access tokens handed out: `/mcp` takes them. */
  readonly #valid = new Set<string>();
  /** Refresh tokens, registration secrets and PKCE verifiers, with the access tokens and the pre-registered secret: none may appear in an error. */
  readonly secrets = new Set<string>([CLIENT_SECRET]);
  readonly #refreshTokens = new Set<string>();
  readonly #registeredSecrets = new Set<string>();
  /** Paths of the token endpoints named by metadata of the issuer `$BASE`, the only place CLIENT_SECRET may go. */
  readonly #boundTokenPaths = new Set<string>(['/token']);
  /** Requests by kind (`token refresh_token`, `registration`, ...): how far the case went. */
  readonly reached = new Map<string, number>();
  /** What the client did that it must not. */
  readonly violations: string[] = [];
  /** Responses not yet closed. */
  readonly open = new Set<ServerResponse>();
  /** The most bytes one endless or huge body got written before the client let go. */
  maxBodyBytesWritten = 0;
  /** OAuth requests and sign-ins under way, and when the last one started or ended. */
  #busy = 0;
  #lastActivity = performance.now();

  constructor(script: OAuthScript) {
    this.#script = structuredClone(script);
    this.#server = createServer((req, res) => this.#serve(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get base(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get mcpUrl(): string {
    return `${this.base}/mcp`;
  }

  /** Answers as a proper server from now on. */
  behave(): void {
    this.#behaving = true;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** Settles once no OAuth request or sign-in has been under way for `quietMs`. */
  async quiet(quietMs = 100): Promise<void> {
    while (this.#busy > 0 || performance.now() - this.#lastActivity < quietMs) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  #note(url: URL, who: string): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') this.violations.push(`${who} was sent to a ${url.protocol} URL: ${url.href.slice(0, 200)}`);
    else if (url.protocol === 'http:' && !isLoopback(url)) this.violations.push(`${who} was sent in clear text off loopback: ${url.href.slice(0, 200)}`);
  }

  async #tracked<T>(work: () => Promise<T>): Promise<T> {
    this.#busy++;
    this.#lastActivity = performance.now();
    try {
      return await work();
    } finally {
      this.#busy--;
      this.#lastActivity = performance.now();
    }
  }

  /** The OAuth client's fetch: watched, and kept on this machine (another host is out of reach). */
  readonly fetch: typeof fetch = (input, init) =>
    this.#tracked(async () => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      this.#note(url, 'an OAuth request');
      if (url.host !== new URL(this.base).host) throw new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ECONNREFUSED ${url.host}`), { code: 'ECONNREFUSED' }) });
      // Once the servers behave, the client's short timeout is only a bound a busy machine must
      // not reach (the test's watchdog still is one).
      return fetch(input, this.#behaving ? { ...init, signal: undefined } : init);
    });

  /** The user's browser: opens the authorization URL and hands back where it was redirected. */
  readonly browser: Authorizer = {
    redirectUri: () => REDIRECT_URI,
    authorize: (url: URL) =>
      this.#tracked(async () => {
        this.#note(url, 'the browser');
        if (url.origin !== this.base) throw new Error('the browser could not open the page');
        const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(this.#behaving ? 20_000 : BROWSER_TIMEOUT_MS) });
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (location === null) throw new Error('the page did not redirect back');
        return new URL(location);
      }),
  };

  #fresh(prefix: string): string {
    return `${prefix}-${++this.#counter}-${randomBytes(6).toString('hex')}`;
  }

  /** Replaces the placeholders of a generated text; tokens and secrets are minted and recorded. */
  #render(text: string): string {
    return text
      .replace(/\$AT(x*)/g, (_all, tail: string) => {
        const token = this.#fresh('at') + tail;
        this.#valid.add(token);
        this.secrets.add(token);
        return token;
      })
      .replace(/\$RT/g, () => {
        const token = this.#fresh('rt');
        this.#refreshTokens.add(token);
        this.secrets.add(token);
        return token;
      })
      .replace(/\$SECRET/g, () => {
        const secret = this.#fresh('cs');
        this.#registeredSecrets.add(secret);
        this.secrets.add(secret);
        return secret;
      })
      .replaceAll('$BASE', this.base)
      .replaceAll('$HOST', new URL(this.base).host);
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    this.open.add(res);
    res.on('error', () => undefined);
    res.once('close', () => this.open.delete(res));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', this.base);
      this.#inspect(req, url, body);
      this.#route(req, res, url, body);
    });
  }

  /** Records what the client sent where it must not. */
  #inspect(req: IncomingMessage, url: URL, body: string): void {
    const seen = [req.url ?? '', body, ...Object.values(req.headers).flat()];
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) seen.push(Buffer.from(basic[1], 'base64').toString('utf8'));
    try {
      seen.push(decodeURIComponent(req.url ?? ''), ...[...new URLSearchParams(body).values()], ...(basic ? [decodeURIComponent(Buffer.from(basic[1], 'base64').toString('utf8'))] : []));
    } catch {
      // Not URL-encoded: the raw text above is what there is.
    }
    const text = seen.join('\n');
    const where = `${req.method} ${url.pathname.slice(0, 100)}`;
    const mcp = url.pathname === '/mcp';
    for (const token of this.#valid) if (token.length >= 12 && !mcp && text.includes(token)) this.violations.push(`an access token was sent to ${where}`);
    for (const token of this.#refreshTokens) if ((mcp || req.method !== 'POST') && text.includes(token)) this.violations.push(`a refresh token was sent to ${where}`);
    for (const secret of this.#registeredSecrets) if ((mcp || req.method !== 'POST') && text.includes(secret)) this.violations.push(`a registered client secret was sent to ${where}`);
    if (text.includes(CLIENT_SECRET) && (req.method !== 'POST' || !this.#boundTokenPaths.has(url.pathname))) this.violations.push(`the pre-registered client secret was sent to ${where}`);
    const verifier = new URLSearchParams(body).get('code_verifier');
    if (verifier !== null && verifier.length >= 12) this.secrets.add(verifier);
  }

  #count(what: string): void {
    this.reached.set(what, (this.reached.get(what) ?? 0) + 1);
  }

  #route(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const path = url.pathname;
    const kind = path === '/mcp' ? undefined : path.startsWith('/.well-known/oauth-protected-resource') || path.startsWith('/prm') ? 'resource metadata' : path.includes('/.well-known/') ? 'server metadata' : path.includes('register') ? 'registration' : path.includes('authorize') ? 'authorization' : path.includes('token') ? `token ${new URLSearchParams(body).get('grant_type')}` : 'elsewhere';
    if (kind !== undefined) this.#count(`${this.#behaving ? 'behaving' : 'hostile'} ${kind}`);
    const script = this.#behaving ? undefined : this.#script;
    if (path === '/mcp') return this.#resource(req, res, body);
    if (path.startsWith('/.well-known/oauth-protected-resource') || path.startsWith('/prm')) {
      return this.#play(res, script?.resourceMetadata.shift(), () => ({ resource: this.mcpUrl, authorization_servers: [this.base], scopes_supported: ['mcp'] }));
    }
    const wellKnown = /^(.*?)\/\.well-known\/(?:oauth-authorization-server|openid-configuration)(.*)$/.exec(path);
    if (wellKnown) {
      const answer = script?.serverMetadata.shift();
      return this.#play(res, answer, () => this.#properServer(`${this.base}${wellKnown[1]}${wellKnown[2]}`), (document) => this.#noteBound(wellKnown[1] + wellKnown[2], document));
    }
    if (path.includes('register')) return this.#play(res, script?.registration.shift(), () => this.#properRegistration(body));
    if (path.includes('authorize')) return this.#authorize(res, url, script?.authorize.shift() ?? 'proper');
    if (path.includes('token')) return this.#play(res, script?.token.shift(), () => this.#properToken(req));
    res.writeHead(404).end();
  }

  #properServer(issuer: string): Record<string, unknown> {
    return {
      issuer,
      token_endpoint: `${this.base}/token`,
      authorization_endpoint: `${this.base}/authorize`,
      registration_endpoint: `${this.base}/register`,
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      scopes_supported: ['mcp', 'offline_access'],
      dpop_signing_alg_values_supported: ['ES256'],
    };
  }

  /** A document served for the issuer `$BASE` names where its client's secret may go. */
  #noteBound(issuerPath: string, document: unknown): void {
    const { issuer, token_endpoint: endpoint } = (document ?? {}) as { issuer?: unknown; token_endpoint?: unknown };
    if (issuerPath !== '' || issuer !== this.base || typeof endpoint !== 'string') return;
    try {
      this.#boundTokenPaths.add(new URL(endpoint).pathname);
    } catch {
      // Not a URL: the client sends nothing there.
    }
  }

  #properRegistration(body: string): Record<string, unknown> {
    let asked: Record<string, unknown> = {};
    try {
      asked = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // The proper server registers whatever it is asked.
    }
    const method = typeof asked.token_endpoint_auth_method === 'string' ? asked.token_endpoint_auth_method : 'none';
    return { client_id: this.#fresh('client'), token_endpoint_auth_method: method, redirect_uris: asked.redirect_uris, ...(method === 'none' ? {} : { client_secret: '$SECRET' }) };
  }

  #properToken(req: IncomingMessage): Record<string, unknown> {
    return { access_token: '$AT', token_type: req.headers.dpop === undefined ? 'Bearer' : 'DPoP', expires_in: this.#script.lifetime, refresh_token: '$RT', scope: 'mcp' };
  }

  #resource(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    const reply = this.#behaving ? undefined : this.#script.resource.shift();
    if (reply !== undefined && 'status' in reply) {
      if (!('challenge' in reply)) return void res.writeHead(reply.status, { 'content-type': 'text/plain' }).end('down');
      const headers = reply.challenge === undefined ? {} : { 'www-authenticate': this.#render(reply.challenge) };
      return void res.writeHead(reply.status, headers).end();
    }
    const credential = /^(?:Bearer|DPoP) (.+)$/.exec(req.headers.authorization ?? '');
    if (credential === null || !this.#valid.has(credential[1])) {
      // Once behaving, the challenge names a resource_metadata URL the client has not kept (a server that moved).
      const metadata = this.#behaving ? `${this.base}/prm-behaving` : `${this.base}/prm`;
      return void res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${metadata}"` }).end();
    }
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      return void res.writeHead(400).end();
    }
    const answer = properAnswer(message);
    if (answer === undefined) return void res.writeHead(202).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  #authorize(res: ServerResponse, url: URL, redirect: Redirect): void {
    if (redirect === 'hang') return;
    if (redirect === 'page') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>sign in</p>');
    const back = new URL(url.searchParams.get('redirect_uri') ?? REDIRECT_URI);
    const state = url.searchParams.get('state') ?? '';
    const code = this.#fresh('code');
    const params: Record<Redirect, Record<string, string>> = {
      proper: { code, state, ...(url.pathname === '/authorize' ? { iss: this.base } : {}) },
      'wrong-state': { code, state: 'other', iss: this.base },
      'no-state': { code, iss: this.base },
      'wrong-iss': { code, state, iss: 'https://evil.example' },
      'no-iss': { code, state },
      error: { error: 'access_denied', error_description: 'the user said no', state, iss: this.base },
      'no-code': { state, iss: this.base },
      'not-a-url': {},
      javascript: {},
      page: {},
      hang: {},
    };
    for (const [name, value] of Object.entries(params[redirect])) back.searchParams.set(name, value);
    const location = redirect === 'not-a-url' ? 'http://[::1' : redirect === 'javascript' ? 'javascript:alert(1)' : back.href;
    res.writeHead(302, { location }).end();
  }

  /** Plays a generated answer, or the proper document when there is none. */
  #play(res: ServerResponse, answer: Answer | undefined, proper: () => unknown, served?: (document: unknown) => void): void {
    if (answer === undefined) {
      const text = this.#render(JSON.stringify(proper()));
      served?.(JSON.parse(text));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(text);
    }
    const headers = Object.fromEntries(Object.entries(answer.headers).map(([name, value]) => [name, this.#render(value)]));
    let bytes: Buffer;
    const { body } = answer;
    if ('json' in body) {
      const text = this.#render(toJsonText(body.json));
      if (answer.status >= 200 && answer.status < 300) {
        try {
          served?.(JSON.parse(text));
        } catch {
          // Raw numbers JSON.parse refuses: no document the client could use.
        }
      }
      bytes = Buffer.from(text);
    } else if ('text' in body) {
      bytes = Buffer.from(this.#render(body.text));
    } else if ('huge' in body) {
      bytes = Buffer.from(`{"issuer":"${'x'.repeat(body.huge)}"}`);
      if (!body.declared) return this.#stream(res, answer.status, headers, bytes, answer.ending);
    } else {
      bytes = gzipBomb(body.gzipBomb);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(bytes.length);
    if (answer.ending === 'endless' || answer.ending === 'trickle' || (answer.ending === 'hang' && bytes.length < 2)) delete headers['content-length'];
    this.#stream(res, answer.status, headers, bytes, answer.ending);
  }

  #stream(res: ServerResponse, status: number, headers: Record<string, string>, whole: Buffer, ending: Answer['ending']): void {
    let bytes = whole;
    try {
      res.writeHead(status, headers);
    } catch {
      res.writeHead(status, { 'content-type': 'application/json' });
    }
    if (ending === 'trickle') return this.#trickle(res, bytes);
    // A hung answer never ends: it holds back the last half of its body (were it whole, the
    // client would be right to reuse the connection, which the server never answers again).
    if (ending === 'hang') bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
    let written = 0;
    // A 204 or a 304 has no body: node:http drops what is written to it (write() returns true
    // and sends nothing), so an endless one is counted as no bytes, none reaching the client.
    const bodiless = status === 204 || status === 304;
    const count = (size: number) => {
      if (bodiless) return;
      written += size;
      this.maxBodyBytesWritten = Math.max(this.maxBodyBytesWritten, written);
    };
    // Large bodies go in pieces, so that what was written before the client let go is counted.
    const write = (from: number, done: () => void): void => {
      if (res.destroyed) return;
      if (from >= bytes.length) return done();
      const piece = bytes.subarray(from, from + 64 * 1024);
      count(piece.length);
      if (res.write(piece)) setImmediate(() => write(from + piece.length, done));
      else res.once('drain', () => write(from + piece.length, done));
    };
    write(0, () => {
      switch (ending) {
        case 'end':
          return void res.end();
        case 'cut':
          return void res.socket?.destroy();
        case 'hang':
          return;
        case 'endless': {
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          const more = (): void => {
            if (res.destroyed) return;
            count(chunk.length);
            if (res.write(chunk)) setImmediate(more);
            else res.once('drain', more);
          };
          return more();
        }
      }
    });
  }

  #trickle(res: ServerResponse, bytes: Buffer): void {
    let at = 0;
    const next = (): void => {
      if (res.destroyed) return;
      if (at >= bytes.length) return void res.end();
      res.write(bytes.subarray(at, at + 1));
      at++;
      setTimeout(next, 50);
    };
    next();
  }
}
