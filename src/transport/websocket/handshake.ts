/**
 * The parts of a WebSocket upgrade decided before `ws` takes the socket: which requests are
 * upgrades to MCP, and how a refused one is answered. A refusal is an HTTP response written on
 * the raw socket, shaped as the Streamable HTTP core writes it (status, headers such as
 * `WWW-Authenticate` or `Retry-After`, a JSON-RPC error without id), then the socket closes.
 */
import { STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorResponse } from '../../protocol/jsonrpc.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { Refusal, type HeadHeaders } from '../../security/edge.ts';
import { SHUTTING_DOWN } from '../drain.ts';
import { SUBPROTOCOL } from './socket-transport.ts';

function refusal(status: number, message: string, headers?: Record<string, string>): Refusal {
  return new Refusal(status, { code: ErrorCode.BadRequest, message }, headers);
}

export const NOT_FOUND = refusal(404, 'Not Found: no WebSocket endpoint at this path');
export const NOT_AN_UPGRADE = refusal(400, 'Bad Request: expected a GET with Upgrade: websocket');
/** RFC 9112 §3.2: exactly one Host header (see security/origin.ts, hostHeaders). */
export const NOT_ONE_HOST = refusal(400, 'Bad Request: an upgrade needs exactly one Host header');

export function forbidden(reason: string): Refusal {
  return refusal(403, `Forbidden: ${reason}`);
}
export const WRONG_SUBPROTOCOL = refusal(400, `Bad Request: the WebSocket subprotocol of MCP is "${SUBPROTOCOL}" (Sec-WebSocket-Protocol)`);
export const DRAINING = new Refusal(503, SHUTTING_DOWN, { 'retry-after': '1' });
export { EDGE_FAILED } from '../http/refusals.ts';
/** Past a connection bound: the upgrade is refused before it is made. */
export const TOO_MANY = {
  client: refusal(503, 'Service Unavailable: this client has too many WebSocket connections open', { 'retry-after': '5' }),
  server: refusal(503, 'Service Unavailable: too many WebSocket connections open', { 'retry-after': '5' }),
} as const;

/**
 * Whether the client asks for MCP: it offers `mcp` among its subprotocols, or offers none
 * (tools such as wscat); a client offering only others wants another protocol.
 */
export function offersMcp(headers: HeadHeaders): boolean {
  const offered = headers['sec-websocket-protocol'];
  if (offered === undefined) return true;
  const list = Array.isArray(offered) ? offered.join(',') : offered;
  for (const protocol of list.split(',')) if (protocol.trim() === SUBPROTOCOL) return true;
  return false;
}

/**
 * Answers an upgrade with `refused` and closes the socket. Headers an edge hook made are
 * checked as node:http would check them; it throws on a header that would break the response
 * (a newline in a value), before anything is written.
 */
export function refuseUpgrade(socket: Duplex, refused: Refusal): void {
  const status = Number.isInteger(refused.status) && refused.status >= 400 && refused.status <= 599 ? refused.status : 500;
  const body = JSON.stringify(errorResponse(undefined, refused.error));
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  const extra = refused.headers;
  if (extra !== undefined) {
    for (const name of Object.keys(extra)) {
      const value = extra[name];
      validateHeaderName(name);
      validateHeaderValue(name, value);
      head += `${name}: ${value}\r\n`;
    }
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`${head}\r\n${body}`);
}
