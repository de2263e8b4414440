/**
 * An authorization server whose answers a test or a fuzz case scripts, over real HTTP on 127.0.0.1: the
 * JSON Web Key Set at `/jwks` and the introspection endpoint at `/introspect`, each answering
 * as the case says (properly, with an error status, a redirect, something that is no key set,
 * a huge or endless body, too late). It counts what it was asked and how many requests were in
 * flight at once, for the bounds on the resource server's outgoing requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How an endpoint answers: a JSON body (any value), or a fault. */
export type Answer =
  | { kind: 'json'; body: unknown }
  | { kind: 'status'; status: number }
  | { kind: 'redirect' }
  | { kind: 'text'; text: string }
  | { kind: 'huge'; declared: boolean }
  | { kind: 'endless' }
  /** A JSON document that never ends, written as fast as it is read. */
  | { kind: 'flood' }
  /** An answer after `ms`: `body` as JSON, or an empty key set and an inactive token. */
  | { kind: 'late'; ms: number; body?: unknown };

/** The bytes of a huge body: past every bound the resource server has (1 MiB, 64 KiB). */
const HUGE_BYTES = 4 * 1024 * 1024;

export class AuthorizationServer {
  base = '';
  jwks: Answer = { kind: 'json', body: { keys: [] } };
  /** The introspection answer for a token; default: inactive. */
  introspect: (token: string) => Answer = () => ({ kind: 'json', body: { active: false } });
  jwksFetches = 0;
  introspections = 0;
  inFlight = 0;
  peakInFlight = 0;
  /** Body bytes written, of every answer. */
  sent = 0;
  /** Every token the introspection endpoint was asked about. */
  readonly asked: string[] = [];
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      let body = '';
      req.setEncoding('latin1');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => this.#serve(req, res, body));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #serve(req: IncomingMessage, res: ServerResponse, body: string): void {
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    res.once('close', () => this.inFlight--);
    if (req.url === '/jwks') {
      this.jwksFetches++;
      return this.#answer(res, this.jwks);
    }
    if (req.url === '/introspect' && req.method === 'POST') {
      this.introspections++;
      const token = new URLSearchParams(body).get('token') ?? '';
      this.asked.push(token);
      return this.#answer(res, this.introspect(token));
    }
    res.writeHead(404).end();
  }

  #answer(res: ServerResponse, how: Answer): void {
    const write = res.write.bind(res) as (chunk: string | Buffer) => boolean;
    res.write = ((chunk: string | Buffer, ...rest: unknown[]) => {
      this.sent += Buffer.byteLength(chunk);
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    answer(res, how);
  }
}

function answer(res: ServerResponse, how: Answer): void {
  switch (how.kind) {
    case 'json':
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(how.body));
    case 'status':
      return void res.writeHead(how.status, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
    case 'redirect':
      return void res.writeHead(302, { location: '/jwks' }).end();
    case 'text':
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(how.text);
    case 'huge':
      return writeHuge(res, how.declared ? 'declared' : HUGE_BYTES);
    case 'flood':
      return writeHuge(res, Infinity);
    case 'endless':
      return writeEndless(res);
    case 'late': {
      const body = how.body === undefined ? '{"keys":[],"active":false}' : JSON.stringify(how.body);
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), how.ms);
      res.once('close', () => clearTimeout(timer));
    }
  }
}

/**
 * A JSON document padded with spaces in a string member, written as fast as it is read: of
 * HUGE_BYTES, with its length declared or not, or without end.
 */
function writeHuge(res: ServerResponse, bytes: 'declared' | number): void {
  const head = '{"keys":[],"active":true,"pad":"';
  const tail = '"}';
  res.writeHead(200, { 'content-type': 'application/json', ...(bytes === 'declared' ? { 'content-length': String(head.length + HUGE_BYTES + tail.length) } : {}) });
  res.write(head);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = bytes === 'declared' ? HUGE_BYTES : bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      left -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end(tail);
  };
  pump();
}

/** A body that never ends: a space every 10 ms until the reader goes away. */
function writeEndless(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"keys":[');
  const timer = setInterval(() => res.write(' '), 10);
  res.once('close', () => clearInterval(timer));
}
