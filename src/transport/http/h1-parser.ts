/**
 * An HTTP/1.1 response parser for the client's own connections (h1-agent.ts): the status line
 * and headers, then a body framed by `Content-Length`, by chunked transfer coding, or by the
 * end of the connection (RFC 9112, sections 4-7), fed the socket's chunks as they come.
 *
 * Strict where leniency has been a smuggling or desync vector: a header name that is not a
 * token, a folded header line (obs-fold), a bare CR, conflicting Content-Length values, an
 * invalid chunk size: each is an error and the connection is not reused. Interim answers
 * (1xx but 101) are skipped, as fetch does.
 */
import { maxHeaderSize } from 'node:http';

/** What a parsed response is told to (the connection, which tells its request's handler). */
export interface ResponseSink {
  onHead(status: number, statusText: string, headers: Record<string, string | string[]>): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

/** A response that breaks HTTP/1.1: the connection carrying it cannot be trusted again. */
export class ResponseParseError extends Error {
  readonly code = 'ERR_HTTP_INVALID_RESPONSE';
}

const State = {
  Head: 0,
  Length: 1,
  ChunkSize: 2,
  ChunkData: 3,
  ChunkDataEnd: 4,
  Trailers: 5,
  UntilClose: 6,
  Done: 7,
} as const;
type State = (typeof State)[keyof typeof State];

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** The longest chunk-size line (with its extensions) or trailer section accepted. */
const MAX_CHUNK_LINE = 4096;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const CONTENT_LENGTH = /^\d{1,15}$/;
const CHUNK_SIZE = /^[0-9A-Fa-f]{1,13}$/;
const INVALID_VALUE = /[\r\n\0]/;

export class ResponseParser {
  readonly #sink: ResponseSink;
  #state: State;
  /** Bytes of the head, or of a chunk-size line or the trailers, not yet complete. */
  #pending: Buffer | undefined;
  /** Body bytes still to come (Length, ChunkData). */
  #remaining: number;
  /** The request was a HEAD: its answer has no body, whatever its headers say. */
  #head: boolean;
  /** The connection may carry another request after this answer. */
  keepAlive: boolean;
  /** Seconds the server keeps the connection idle (`Keep-Alive: timeout=N`), if it said. */
  keepAliveSeconds: number | undefined;

  constructor(sink: ResponseSink) {
    this.#sink = sink;
    this.#state = State.Done;
    this.#pending = undefined;
    this.#remaining = 0;
    this.#head = false;
    this.keepAlive = false;
    this.keepAliveSeconds = undefined;
  }

  /** A new request was written: its answer comes next. */
  expect(method: string): void {
    this.#state = State.Head;
    this.#pending = undefined;
    this.#head = method === 'HEAD';
    this.keepAlive = false;
    this.keepAliveSeconds = undefined;
  }

  /** Whether the answer is complete. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /** Whether the answer's body runs until the connection closes (its end is then the body's end). */
  get untilClose(): boolean {
    return this.#state === State.UntilClose;
  }

  /** The connection ended: a body that runs until then is complete. */
  finish(): void {
    if (this.#state !== State.UntilClose) return;
    this.#state = State.Done;
    this.#sink.onEnd();
  }

  /** Parses a chunk of the socket's bytes; throws a {@link ResponseParseError} on a broken answer. */
  execute(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.#state) {
        case State.Head:
          at = this.#readHead(chunk, at);
          break;
        case State.Length: {
          const take = Math.min(this.#remaining, chunk.length - at);
          const end = at + take;
          this.#remaining -= take;
          this.#sink.onBody(at === 0 && end === chunk.length ? chunk : chunk.subarray(at, end));
          at = end;
          if (this.#remaining === 0) this.#end();
          break;
        }
        case State.UntilClose:
          this.#sink.onBody(at === 0 ? chunk : chunk.subarray(at));
          at = chunk.length;
          break;
        case State.ChunkSize:
          at = this.#readChunkSize(chunk, at);
          break;
        case State.ChunkData: {
          const take = Math.min(this.#remaining, chunk.length - at);
          this.#remaining -= take;
          this.#sink.onBody(chunk.subarray(at, at + take));
          at += take;
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd:
          at = this.#readChunkDataEnd(chunk, at);
          break;
        case State.Trailers:
          at = this.#readTrailers(chunk, at);
          break;
        case State.Done:
          throw new ResponseParseError('The server sent bytes after its answer, or without a request');
      }
    }
  }

  /** The bytes from `at` to the end of `delimiter`, joined with what was pending; undefined until it came. */
  #line(chunk: Buffer, at: number, delimiter: Buffer, limit: number, what: string): { text: string; next: number } | undefined {
    const pending = this.#pending;
    if (pending === undefined) {
      const end = chunk.indexOf(delimiter, at);
      if (end !== -1 && end - at <= limit) return { text: chunk.toString('latin1', at, end), next: end + delimiter.length };
      // What is left may end in part of the delimiter: up to its length less one byte past the limit.
      if (end !== -1 || chunk.length - at > limit + delimiter.length - 1) throw new ResponseParseError(`The answer's ${what} is longer than ${limit} bytes`);
      this.#pending = Buffer.from(chunk.subarray(at));
      return undefined;
    }
    const joined = Buffer.concat([pending, chunk.subarray(at)]);
    const end = joined.indexOf(delimiter, Math.max(0, pending.length - delimiter.length + 1));
    if ((end === -1 ? joined.length - delimiter.length + 1 : end) > limit) throw new ResponseParseError(`The answer's ${what} is longer than ${limit} bytes`);
    if (end === -1) {
      this.#pending = joined;
      return undefined;
    }
    this.#pending = undefined;
    // The delimiter ends within this chunk: what follows it starts there.
    return { text: joined.toString('latin1', 0, end), next: at + (end + delimiter.length - pending.length) };
  }

  #readHead(chunk: Buffer, at: number): number {
    const line = this.#line(chunk, at, HEAD_END, maxHeaderSize, 'header section');
    if (line === undefined) return chunk.length;
    const text = line.text;
    const statusEnd = text.indexOf('\r\n');
    const statusLine = statusEnd === -1 ? text : text.slice(0, statusEnd);
    const status = STATUS_LINE.exec(statusLine);
    if (status === null) throw new ResponseParseError(`The answer does not begin with an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 64))}`);
    const code = Number(status[2]);
    const headers = parseHeaders(text, statusEnd);
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    if (code >= 100 && code < 200 && code !== 101) return line.next;
    if (code === 101) throw new ResponseParseError('The server switched protocols, which no request asked for');
    this.keepAlive = keepsAlive(status[1] === '1', headers.connection);
    const hint = headers['keep-alive'];
    if (typeof hint === 'string') this.keepAliveSeconds = keepAliveSeconds(hint);
    this.#frame(code, headers);
    this.#sink.onHead(code, status[3] ?? '', headers);
    if (this.#state === State.Done) this.#sink.onEnd();
    return line.next;
  }

  /** How the body is delimited (RFC 9112, 6.3). */
  #frame(status: number, headers: Record<string, string | string[]>): void {
    if (this.#head || status === 204 || status === 304) {
      this.#state = State.Done;
      return;
    }
    const coding = headers['transfer-encoding'];
    if (coding !== undefined) {
      const codings = (typeof coding === 'string' ? coding : coding.join(',')).toLowerCase().split(',');
      if (codings[codings.length - 1].trim() === 'chunked') this.#state = State.ChunkSize;
      else {
        this.#state = State.UntilClose;
        this.keepAlive = false;
      }
      return;
    }
    const length = headers['content-length'];
    if (length === undefined) {
      this.#state = State.UntilClose;
      this.keepAlive = false;
      return;
    }
    this.#remaining = contentLength(length);
    this.#state = State.Length;
    if (this.#remaining === 0) this.#state = State.Done;
  }

  #readChunkSize(chunk: Buffer, at: number): number {
    const line = this.#line(chunk, at, CRLF, MAX_CHUNK_LINE, 'chunk size line');
    if (line === undefined) return chunk.length;
    const semicolon = line.text.indexOf(';');
    const size = (semicolon === -1 ? line.text : line.text.slice(0, semicolon)).trim();
    if (!CHUNK_SIZE.test(size)) throw new ResponseParseError(`Invalid chunk size ${JSON.stringify(size.slice(0, 32))}`);
    this.#remaining = parseInt(size, 16);
    this.#state = this.#remaining === 0 ? State.Trailers : State.ChunkData;
    return line.next;
  }

  #readChunkDataEnd(chunk: Buffer, at: number): number {
    const line = this.#line(chunk, at, CRLF, 0, 'chunk end');
    if (line === undefined) return chunk.length;
    this.#state = State.ChunkSize;
    return line.next;
  }

  /** Trailer fields after the last chunk, up to an empty line: read and dropped (fetch drops them). */
  #readTrailers(chunk: Buffer, at: number): number {
    const line = this.#line(chunk, at, CRLF, MAX_CHUNK_LINE, 'trailer section');
    if (line === undefined) return chunk.length;
    if (line.text === '') this.#end();
    return line.next;
  }

  #end(): void {
    this.#state = State.Done;
    this.#sink.onEnd();
  }
}

/** Header fields by lower-case name; a repeated name gives the values in order. */
function parseHeaders(text: string, from: number): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = Object.create(null);
  // Each line from just past the CRLF before it; the head's text ends without a CRLF.
  for (let start = from; start !== -1; ) {
    const end = text.indexOf('\r\n', start + 2);
    const line = text.slice(start + 2, end === -1 ? text.length : end);
    start = end;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new ResponseParseError(`Invalid header line ${JSON.stringify(line.slice(0, 64))}`);
    const value = line.slice(colon + 1).trim();
    if (INVALID_VALUE.test(value)) throw new ResponseParseError(`Invalid header value of ${name}`);
    const key = name.toLowerCase();
    const before = headers[key];
    if (before === undefined) headers[key] = value;
    else if (typeof before === 'string') headers[key] = [before, value];
    else before.push(value);
  }
  return headers;
}

function contentLength(value: string | string[]): number {
  if (typeof value === 'string' && CONTENT_LENGTH.test(value)) return Number(value);
  // Repeated (or a list): every value must be the same (RFC 9112, 6.3, item 5).
  const values = (typeof value === 'string' ? [value] : value).flatMap((item) => item.split(',').map((part) => part.trim()));
  if (!values.every((item) => item === values[0]) || !CONTENT_LENGTH.test(values[0])) {
    throw new ResponseParseError(`Invalid Content-Length ${JSON.stringify(values.join(', ').slice(0, 64))}`);
  }
  return Number(values[0]);
}

function keepsAlive(http11: boolean, connection: string | string[] | undefined): boolean {
  if (connection === undefined) return http11;
  const tokens = (typeof connection === 'string' ? connection : connection.join(',')).toLowerCase();
  if (tokens === 'keep-alive') return true;
  const list = tokens.split(',').map((token) => token.trim());
  if (list.includes('close')) return false;
  return http11 || list.includes('keep-alive');
}

function keepAliveSeconds(hint: string): number | undefined {
  const match = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(hint);
  return match === null ? undefined : Number(match[1]);
}
