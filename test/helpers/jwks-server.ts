/**
 * An authorization server's signing side for resource-server tests, over real HTTP on
 * 127.0.0.1: a JSON Web Key Set at `/jwks` (counting its fetches, keys added and removed to
 * rotate them) and tokens signed with jose, good or bad on purpose: expired, for another
 * audience or issuer, unsigned (`alg: none`), signed with a key the set does not hold.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface TokenOptions {
  /** Default: the server's own issuer. */
  issuer?: string;
  audience?: string | string[];
  subject?: string;
  scope?: string;
  /** Seconds from now; negative for a token that expired. Default 300. */
  expiresIn?: number;
  /** Sign with this key id (default: the first key). */
  kid?: string;
  /** Sign with a key of its own the set does not hold, under this key id. */
  foreignKid?: string;
  claims?: Record<string, unknown>;
}

export class JwksServer {
  /** Fetches of the key set so far. */
  fetches = 0;
  issuer = '';
  /** Answer the key set with this status instead (500: the server is down). */
  failWith: number | undefined;
  readonly #server: Server;
  readonly #keys: SigningKey[] = [];

  constructor() {
    this.#server = createServer((req, res) => {
      if (req.url === '/jwks') {
        this.fetches++;
        if (this.failWith !== undefined) return void res.writeHead(this.failWith).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.#keys.map((key) => key.jwk) }));
        return;
      }
      res.writeHead(404).end();
    });
  }

  get jwksUrl(): string {
    return `${this.issuer}/jwks`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    await this.addKey('key-1');
    return this;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Publishes a new signing key (a rotation). */
  async addKey(kid: string, alg = 'ES256'): Promise<void> {
    this.#keys.push(await makeKey(kid, alg));
  }

  removeKey(kid: string): void {
    this.#keys.splice(this.#keys.findIndex((key) => key.kid === kid), 1);
  }

  /** A signed access token for `audience` (RFC 9068 claims). */
  async token(options: TokenOptions): Promise<string> {
    const key = options.foreignKid !== undefined ? await makeKey(options.foreignKid, 'ES256') : (this.#keys.find((k) => k.kid === (options.kid ?? this.#keys[0].kid)) ?? this.#keys[0]);
    const jwt = new SignJWT({ client_id: 'test-client', ...(options.scope === undefined ? {} : { scope: options.scope }), ...options.claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(options.issuer ?? this.issuer)
      .setSubject(options.subject ?? 'alice')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 300))
      .setJti(crypto.randomUUID());
    if (options.audience !== undefined) jwt.setAudience(options.audience);
    return jwt.sign(key.privateKey);
  }

  /** The same claims with `alg: none` and no signature (RFC 7519, section 6: an unsecured JWT). */
  unsigned(options: TokenOptions): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'none', typ: 'JWT' };
    const payload = { iss: options.issuer ?? this.issuer, sub: options.subject ?? 'alice', aud: options.audience, iat: now, exp: now + 300, scope: options.scope };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode(header)}.${encode(payload)}.`;
  }
}

async function makeKey(kid: string, alg: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}
