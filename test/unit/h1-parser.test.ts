/**
 * The HTTP client's own response parser: every framing (length, chunked, until close, none)
 * reads the same whichever way the bytes are cut into chunks, and what breaks HTTP/1.1 (a
 * smuggling or desync vector) is an error rather than a guess.
 */
import assert from 'node:assert/strict';
import { maxHeaderSize } from 'node:http';
import { describe, it } from 'node:test';
import { ResponseParseError, ResponseParser } from '../../src/transport/http/h1-parser.ts';

interface Parsed {
  status?: number;
  statusText?: string;
  headers?: Record<string, string | string[]>;
  body: string;
  ends: number;
  keepAlive?: boolean;
  keepAliveSeconds?: number;
}

/** Parses `wire` (an answer to `method`) fed in pieces of `step` bytes (all at once if 0). */
function parse(wire: string, step = 0, method = 'POST', closeAfter = false): Parsed {
  const parsed: Parsed = { body: '', ends: 0 };
  const parser = new ResponseParser({
    onHead(status, statusText, headers) {
      Object.assign(parsed, { status, statusText, headers: { ...headers } });
    },
    onBody(chunk) {
      parsed.body += chunk.toString('latin1');
    },
    onEnd() {
      parsed.ends++;
    },
  });
  parser.expect(method);
  const bytes = Buffer.from(wire, 'latin1');
  const size = step === 0 ? bytes.length : step;
  for (let at = 0; at < bytes.length; at += size) parser.execute(bytes.subarray(at, at + size));
  if (closeAfter) parser.finish();
  parsed.keepAlive = parser.keepAlive;
  parsed.keepAliveSeconds = parser.keepAliveSeconds;
  return parsed;
}

/** The same answer parsed at every chunk size from 1 byte to whole: each reads alike. */
function parseEveryWay(wire: string, method = 'POST', closeAfter = false): Parsed {
  const whole = parse(wire, 0, method, closeAfter);
  for (let step = 1; step < wire.length; step++) assert.deepEqual(parse(wire, step, method, closeAfter), whole, `cut every ${step} bytes`);
  return whole;
}

const JSON_BODY = '{"jsonrpc":"2.0","id":1,"result":{}}';

describe('HTTP/1.1 response parser', () => {
  it('reads an answer framed by Content-Length, however it is cut', () => {
    const parsed = parseEveryWay(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${JSON_BODY.length}\r\nX-Twice: a\r\nx-twice: b\r\n\r\n${JSON_BODY}`);
    assert.equal(parsed.status, 200);
    assert.equal(parsed.statusText, 'OK');
    assert.equal(parsed.body, JSON_BODY);
    assert.equal(parsed.ends, 1);
    assert.equal(parsed.keepAlive, true);
    assert.deepEqual(parsed.headers, { 'content-type': 'application/json', 'content-length': String(JSON_BODY.length), 'x-twice': ['a', 'b'] });
  });

  it('reads a chunked answer with extensions and trailers, however it is cut', () => {
    const parsed = parseEveryWay('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n');
    assert.equal(parsed.body, 'hello world!');
    assert.equal(parsed.ends, 1);
    assert.equal(parsed.keepAlive, true);
  });

  it('reads a body that runs until the connection closes, and no longer reuses the connection', () => {
    const parsed = parseEveryWay('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\ndata: 2\n\n', 'GET', true);
    assert.equal(parsed.body, 'data: 1\n\ndata: 2\n\n');
    assert.equal(parsed.ends, 1);
    assert.equal(parsed.keepAlive, false);
  });

  it('reads no body for HEAD, 204 and 304 whatever the headers say', () => {
    assert.deepEqual([parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 0, 'HEAD').ends, parse('HTTP/1.1 204 No Content\r\n\r\n').ends, parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n').ends], [1, 1, 1]);
  });

  it('skips interim answers (100 Continue, 103 Early Hints) for the final one', () => {
    const parsed = parseEveryWay('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n');
    assert.equal(parsed.status, 202);
    assert.equal(parsed.ends, 1);
    assert.equal(parsed.headers!.link, undefined);
  });

  it('keeps a connection alive as the version, Connection and Keep-Alive say', () => {
    assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').keepAlive, true);
    assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
    assert.equal(parse('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n').keepAliveSeconds, 5);
  });

  it('accepts a Content-Length repeated with the same value, and refuses differing ones', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok').body, 'ok');
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'), ResponseParseError);
  });

  for (const [what, wire] of [
    ['a status line that is not HTTP/1.x', 'HTTP/2 200 OK\r\n\r\n'],
    ['a three-digit status missing', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: a\r\n  folded\r\nContent-Length: 0\r\n\r\n'],
    ['a header name with a space', 'HTTP/1.1 200 OK\r\nContent Length: 0\r\n\r\n'],
    ['a bare CR in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n'],
    ['a negative Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['an invalid chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk not ended by CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n'],
    ['a switch of protocols nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n'],
    ['bytes after a complete answer', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'],
  ]) {
    it(`refuses ${what}, however it is cut`, () => {
      for (const step of [0, 1, 3]) assert.throws(() => parse(wire, step), ResponseParseError, `cut every ${step} bytes`);
    });
  }

  it('refuses a header section longer than http.maxHeaderSize, without holding more of it', () => {
    const long = `HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(maxHeaderSize)}\r\n\r\n`;
    assert.throws(() => parse(long), /header section is longer/);
    assert.throws(() => parse(long, 1000), /header section is longer/);
  });

  it('refuses a chunk size line that never ends', () => {
    assert.throws(() => parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'x'.repeat(5000)}`, 100), /chunk size line is longer/);
  });
});
