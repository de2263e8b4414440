/**
 * A POST written byte for byte on a socket, for headers no HTTP client sends (a tab after the
 * scheme, two Authorization lines, Latin-1 bytes, past node's header limit), read back whole:
 * status, headers (lower-case names) and body (chunked framing undone).
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function rawPost(url: string, headerLines: readonly string[], body: string): Promise<RawAnswer> {
  const { hostname, port, pathname } = new URL(url);
  const head = [`POST ${pathname} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`, ...headerLines].join('\r\n');
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server refusing a request mid-write may reset the connection: what came is the answer.
    socket.on('error', () => {});
    socket.on('close', () => resolve(parse(Buffer.concat(chunks).toString('latin1'))));
    // Not ended: node closes a connection whose client half-closed it before an answer that
    // takes time is written. `Connection: close` has the server end it once it has answered.
    socket.write(Buffer.from(`${head}\r\n\r\n${body}`, 'latin1'));
  });
}

function parse(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
  if (end === -1 || match === null) return { status: 0, headers: {}, body: text };
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return { status: Number(match[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') };
}

function unchunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    const size = eol === -1 ? 0 : parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
