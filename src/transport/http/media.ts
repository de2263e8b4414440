/**
 * What a request must declare before its body is read (spec: Streamable HTTP, sending messages
 * to the server and listening for messages): POST bodies are JSON, within the size limit, and
 * the client accepts both JSON and SSE answers; a GET accepts SSE. Other methods get 405.
 */
import type { Refusal } from '../../security/edge.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import { header, type Headers } from './modern-headers.ts';
import { METHOD_NOT_ALLOWED, refusal } from './refusals.ts';

const NOT_JSON = refusal(415, ErrorCode.BadRequest, 'Unsupported Media Type: Content-Type must be application/json');
const POST_NOT_ACCEPTABLE = refusal(406, ErrorCode.BadRequest, 'Not Acceptable: Accept must list application/json and text/event-stream');
const GET_NOT_ACCEPTABLE = refusal(406, ErrorCode.BadRequest, 'Not Acceptable: Accept must list text/event-stream');

/** The refusal of a body past `maxBodyBytes`. */
export function tooLarge(maxBodyBytes: number): Refusal {
  return refusal(413, ErrorCode.InvalidRequest, `Payload Too Large: the limit is ${maxBodyBytes} bytes`);
}

function accepts(headers: Headers, type: string): boolean {
  const accept = header(headers, 'accept');
  return accept === undefined || accept.includes(type) || accept.includes('*/*');
}

/** A refusal for the method and media types, or undefined to go on. */
export function checkMedia(method: string, headers: Headers, maxBodyBytes: number): Refusal | undefined {
  switch (method) {
    case 'POST': {
      const type = header(headers, 'content-type');
      if (type === undefined || !type.toLowerCase().startsWith('application/json')) return NOT_JSON;
      if (!accepts(headers, 'application/json') || !accepts(headers, 'text/event-stream')) return POST_NOT_ACCEPTABLE;
      return Number(header(headers, 'content-length')) > maxBodyBytes ? tooLarge(maxBodyBytes) : undefined;
    }
    case 'GET':
      return accepts(headers, 'text/event-stream') ? undefined : GET_NOT_ACCEPTABLE;
    case 'DELETE':
      return undefined;
    default:
      return METHOD_NOT_ALLOWED;
  }
}
