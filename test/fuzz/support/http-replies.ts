/**
 * Generated HTTP answers of a hostile MCP server, and their playing on a node:http response:
 * any status, content types right and wrong (a charset the body is not in), junk in the
 * headers the client reads (Mcp-Session-Id, Retry-After, WWW-Authenticate, Location), JSON
 * bodies and SSE streams of generated messages and junk fields (`retry:` that is no number,
 * event ids with control characters), split at any byte, and endings: done, cut off, never
 * ended, or endless (keep-alive comments, or one data line that never ends).
 */
import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { excerpt, shownAs } from './arbitraries.ts';
import { saying, type Said } from './hostile-messages.ts';

export type Ending = 'end' | 'cut' | 'hang' | 'endless-comments' | 'endless-data';

/** One piece of an SSE stream. */
type SsePiece = { event: Said; id?: string; name?: string } | { line: string } | { huge: number };

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: { json: Said } | { sse: SsePiece[] } | { bytes: Uint8Array } | { utf16: Said };
  /** Where the body is cut into writes (fractions of its length). */
  splits: number[];
  ending: Ending;
}

/** Characters node:http lets a header value carry: visible ASCII, space, tab and Latin-1. */
const headerText = (maxLength: number) => fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(9)).map((code) => String.fromCharCode(code)), maxLength });

const oddHeader = (plausible: string[]) => fc.oneof(fc.constantFrom(...plausible), headerText(40), fc.integer({ min: 100, max: 9000 }).map((length) => 'x'.repeat(length)));

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'text/event-stream') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-16', 'text/event-stream; charset=latin1', 'TEXT/EVENT-STREAM', 'text/html', 'text/plain', 'application/json-seq', '', 'text/event-streamx', 'application/problem+json') },
  { weight: 1, arbitrary: headerText(30) },
);

const status = fc.oneof(
  { weight: 8, arbitrary: fc.constant(200) },
  { weight: 3, arbitrary: fc.constantFrom(201, 202, 204, 301, 302, 307, 400, 401, 403, 404, 405, 406, 409, 429, 500, 502, 503) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 599 }) },
);

const headers = fc
  .record(
    {
      'content-type': contentType,
      'mcp-session-id': oddHeader(['s-1', 's 2', '', 'a\tb', 'ünï']),
      'retry-after': oddHeader(['1', '-1', '0', '99999999999999999999', 'Wed, 21 Oct 2015 07:28:00 GMT', 'soon']),
      'www-authenticate': oddHeader(['Bearer', 'Bearer resource_metadata="http://127.0.0.1:1/x"', 'Bearer error="invalid_token", scope="a b"', 'Basic realm=x', 'Bearer resource_metadata=']),
      location: oddHeader(['/mcp', 'http://127.0.0.1:1/', 'ftp://x/', '//', 'javascript:1']),
      'content-length': fc.constantFrom('0', '5', '999999999'),
      'content-encoding': fc.constantFrom('gzip', 'br', 'x'),
    },
    { requiredKeys: ['content-type'] },
  )
  .map((record) => record as Record<string, string>);

/** Event ids: ordinary, with control characters, or empty. */
const eventId = fc.oneof(fc.constantFrom('e1', '', 'a\u0000b', '\u001b[2J', 'x\ry', 'ü'), fc.string({ unit: 'binary', maxLength: 10 }).map((text) => text.replace(/[\n\r]/g, '')));

const sseJunk = fc.oneof(
  fc.constantFrom('retry: abc', 'retry: -1', 'retry: 99999999999999999999', 'retry: 0', 'retry:', 'id', 'event: other', 'event:', ': comment', 'data', 'data:', 'data: {', '\r', 'garbage', 'id: \u0000', ''),
  fc.string({ maxLength: 30 }).map((text) => text.replace(/\n/g, '')),
);

const ssePiece: fc.Arbitrary<SsePiece> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ event: saying, id: fc.option(eventId, { nil: undefined }), name: fc.option(fc.constantFrom('message', 'ping', ''), { nil: undefined, freq: 4 }) }, { requiredKeys: ['event'] }) },
  { weight: 3, arbitrary: sseJunk.map((line) => ({ line })) },
  // An event larger than the client's bound (64 KiB), or large yet within it.
  { weight: 1, arbitrary: fc.constantFrom(40_000, 70_000, 200_000).map((huge) => ({ huge })) },
);

const body: fc.Arbitrary<HttpReply['body']> = fc.oneof(
  { weight: 4, arbitrary: saying.map((json) => ({ json })) },
  { weight: 5, arbitrary: fc.array(ssePiece, { minLength: 1, maxLength: 6 }).map((sse) => ({ sse })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ bytes })) },
  { weight: 1, arbitrary: saying.map((utf16) => ({ utf16 })) },
);

const ending = fc.oneof({ weight: 12, arbitrary: fc.constant<Ending>('end') }, { weight: 1, arbitrary: fc.constantFrom<Ending>('cut', 'hang', 'endless-comments', 'endless-data') });

export const httpReply: fc.Arbitrary<HttpReply> = fc
  .record({ status, headers, body, splits: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), ending })
  .map((reply) => {
    // An SSE body goes with its content type, mostly: the fuzzer also sends it under others.
    if ('sse' in reply.body && reply.headers['content-type'] === 'application/json') reply.headers['content-type'] = 'text/event-stream';
    if ('json' in reply.body && reply.headers['content-type'] === 'text/event-stream') reply.headers['content-type'] = 'application/json';
    return reply;
  })
  .map((reply) => shownAs(reply, () => describeReply(reply)));

function describeReply(reply: HttpReply): string {
  const body = JSON.stringify(reply.body, (key, value) => (key === 'huge' ? `${value} bytes` : typeof value === 'string' ? excerpt(value) : value instanceof Uint8Array ? `${value.length} bytes` : value));
  const shownHeaders = JSON.stringify(reply.headers, (_key, value) => (typeof value === 'string' ? excerpt(value) : value));
  return `{ status: ${reply.status}, headers: ${shownHeaders}, body: ${body} /* or its messages */, splits: ${JSON.stringify(reply.splits)}, ending: '${reply.ending}' }`;
}

/** The bytes of a reply's body, for the request with `id`. */
export function bodyOf(reply: HttpReply, id: unknown): Buffer {
  const { body } = reply;
  if ('json' in body) return Buffer.from(body.json.render(id));
  if ('utf16' in body) return Buffer.from(body.utf16.render(id), 'utf16le');
  if ('bytes' in body) return Buffer.from(body.bytes);
  let text = '';
  for (const piece of body.sse) {
    if ('line' in piece) text += `${piece.line}\n`;
    else if ('huge' in piece) text += `data: {"jsonrpc":"2.0","id":${JSON.stringify(id) ?? 'null'},"result":{"content":[{"type":"text","text":"${'x'.repeat(piece.huge)}"}]}}\n\n`;
    else {
      if (piece.id !== undefined) text += `id: ${piece.id}\n`;
      if (piece.name !== undefined) text += `event: ${piece.name}\n`;
      text += `data: ${piece.event.render(id).replace(/\n/g, '\ndata: ')}\n\n`;
    }
  }
  return Buffer.from(text);
}

/**
 * Plays `reply` on `res` for the request with `id`. Endless streams write a chunk a millisecond
 * while the client reads (never faster than it reads), until it hangs up.
 */
export function play(reply: HttpReply, res: ServerResponse, id: unknown): void {
  try {
    res.writeHead(reply.status, reply.headers);
  } catch {
    // A header value node:http refuses: the same answer without it.
    res.writeHead(reply.status, { 'content-type': reply.headers['content-type'] ?? 'application/json' });
  }
  const bytes = bodyOf(reply, id);
  const cuts = [...new Set(reply.splits.map((at) => Math.floor(at * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) res.write(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  switch (reply.ending) {
    case 'end':
      return void res.end();
    case 'cut':
      return void res.socket?.destroy();
    case 'hang':
      return;
    case 'endless-comments':
      return endless(res, ': keep-alive\n\n'.repeat(256));
    case 'endless-data':
      res.write('data: ');
      return endless(res, 'x'.repeat(4096));
  }
}

function endless(res: ServerResponse, chunk: string): void {
  const more = () => {
    if (res.destroyed) return;
    if (res.write(chunk)) setTimeout(more, 1);
    else res.once('drain', more);
  };
  more();
}
