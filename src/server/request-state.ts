/**
 * Sealed `requestState` for multi round-trip requests (spec 2026-07-28, basic/patterns/mrtr).
 *
 * The client echoes the state back verbatim, so it is attacker-controlled input: it is
 * encrypted and authenticated with AES-256-GCM (confidential and tamper-evident), and carries
 * an expiry plus a binding to the originating request and principal, checked on return.
 */
import type * as NodeCrypto from 'node:crypto';

/** node:crypto, loaded on first use: a server that never seals state never pays for it. */
function crypto(): typeof NodeCrypto {
  return process.getBuiltinModule('node:crypto');
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedPayload {
  /** Binds the state to the request that produced it: method, name/uri and arguments digest. */
  bind: string;
  /** Milliseconds since the epoch after which the state is refused. */
  exp: number;
  [key: string]: unknown;
}

export class RequestStateSealer {
  readonly #secret: string | Uint8Array | undefined;
  #derived: Buffer | undefined;
  readonly ttlMs: number;

  /**
   * @param secret shared by every instance that may receive a retry (set it when running more
   *   than one process); a random per-process key by default.
   */
  constructor(secret: string | Uint8Array | undefined, ttlMs: number) {
    this.#secret = secret;
    this.#derived = undefined;
    this.ttlMs = ttlMs;
  }

  get #key(): Buffer {
    return (this.#derived ??= crypto()
      .createHash('sha256')
      .update(this.#secret ?? crypto().randomBytes(32))
      .digest());
  }

  seal(payload: Omit<SealedPayload, 'exp'>): string {
    const iv = crypto().randomBytes(IV_BYTES);
    const cipher = crypto().createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ ...payload, exp: Date.now() + this.ttlMs })), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The payload, or a reason it is refused (tampered, expired, or bound elsewhere). */
  open(token: unknown, bind: string): SealedPayload | string {
    if (typeof token !== 'string' || token.length === 0) return 'requestState must be a non-empty string';
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return 'requestState is malformed';
    let payload: SealedPayload;
    try {
      const decipher = crypto().createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      payload = JSON.parse(text) as SealedPayload;
    } catch {
      return 'requestState failed its integrity check';
    }
    if (typeof payload.exp !== 'number' || payload.exp < Date.now()) return 'requestState has expired';
    if (payload.bind !== bind) return 'requestState belongs to a different request';
    return payload;
  }
}

/** A stable digest of a JSON value: object keys are sorted, so key order does not matter. */
export function digestJson(value: unknown): string {
  return crypto().createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

/** Marks text to copy to the output, among the values still to write. */
class Piece {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const OPEN_ARRAY = new Piece('[');
const CLOSE_ARRAY = new Piece(']');
const OPEN_OBJECT = new Piece('{');
const CLOSE_OBJECT = new Piece('}');
const COMMA = new Piece(',');

/**
 * JSON with object keys sorted. Iterative, with its own stack: client arguments may be nested
 * far deeper than the call stack allows (JSON.parse accepts any depth; recursion over 20,000
 * levels overflows).
 */
export function canonicalJson(root: unknown): string {
  let out = '';
  const todo: unknown[] = [root];
  while (todo.length > 0) {
    const item = todo.pop();
    if (item instanceof Piece) {
      out += item.text;
    } else if (item === null || typeof item !== 'object') {
      out += JSON.stringify(item) ?? 'null';
    } else if (Array.isArray(item)) {
      todo.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        todo.push(item[i]);
        if (i > 0) todo.push(COMMA);
      }
      todo.push(OPEN_ARRAY);
    } else {
      const keys = Object.keys(item).sort();
      todo.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push((item as Record<string, unknown>)[keys[i]], new Piece(`${JSON.stringify(keys[i])}:`));
        if (i > 0) todo.push(COMMA);
      }
      todo.push(OPEN_OBJECT);
    }
  }
  return out;
}
