/**
 * DPoP (RFC 9449): a key pair the client holds, a fresh signed proof for every HTTP request
 * (Section 4: `typ: dpop+jwt`, the public key in the header, `jti`, `htm`, `htu`, `iat`, and
 * `ath` when a token goes with it), and the nonces servers hand out (Sections 8 and 9), kept
 * per origin. Every JWT and JWK operation goes through jose.
 */
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

export const DPOP_ALGORITHM = 'ES256';

/**
 * @example
 * const prover = await DpopProver.create();
 * headers.dpop = await prover.proof('POST', tokenEndpoint);
 */
export class DpopProver {
  readonly #privateKey: CryptoKey;
  readonly #publicJwk: JWK;
  readonly #privateJwk: JWK;
  readonly #nonces = new Map<string, string>();

  private constructor(privateKey: CryptoKey, publicJwk: JWK, privateJwk: JWK) {
    this.#privateKey = privateKey;
    this.#publicJwk = publicJwk;
    this.#privateJwk = privateJwk;
  }

  /** A new P-256 key pair. */
  static async create(): Promise<DpopProver> {
    const { privateKey, publicKey } = await generateKeyPair(DPOP_ALGORITHM, { extractable: true });
    return new DpopProver(privateKey, await exportJWK(publicKey), await exportJWK(privateKey));
  }

  /** The prover of a stored key (a DPoP-bound token is only usable with its key). */
  static async fromJwk(privateJwk: JWK): Promise<DpopProver> {
    const privateKey = (await importJWK(privateJwk, DPOP_ALGORITHM)) as CryptoKey;
    const { d: _d, ...publicJwk } = privateJwk;
    return new DpopProver(privateKey, publicJwk, privateJwk);
  }

  /** The private key as a JWK, to store next to the tokens bound to it. */
  get privateJwk(): JWK {
    return this.#privateJwk;
  }

  /**
   * A proof for one request. `htu` is the URL without query and fragment (Section 4.2); the
   * nonce last given by the URL's origin is included.
   */
  async proof(method: string, url: URL, accessToken?: string): Promise<string> {
    const claims: Record<string, unknown> = { jti: randomUUID(), htm: method, htu: `${url.origin}${url.pathname}` };
    const nonce = this.#nonces.get(url.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    if (accessToken !== undefined) claims.ath = createHash('sha256').update(accessToken, 'ascii').digest('base64url');
    return new SignJWT(claims).setProtectedHeader({ alg: DPOP_ALGORITHM, typ: 'dpop+jwt', jwk: this.#publicJwk }).setIssuedAt().sign(this.#privateKey);
  }

  /**
   * Remembers the `DPoP-Nonce` a server sent; returns true when it is new (a request that
   * failed for want of it is worth one retry).
   */
  learnNonce(url: URL, response: Response): boolean {
    const nonce = response.headers.get('dpop-nonce');
    // RFC 9449 Section 8.1: a nonce is NQCHAR (printable ASCII, no quote or backslash).
    if (nonce === null || !/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/.test(nonce)) return false;
    const known = this.#nonces.get(url.origin);
    this.#nonces.set(url.origin, nonce);
    return known !== nonce;
  }
}
