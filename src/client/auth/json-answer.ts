/**
 * The JSON body of an authorization server's answer, read up to a bound. The server is named
 * by the MCP server's metadata, so it may be anyone's: an endless or huge body must not grow
 * the client's memory for as long as the request's timeout allows. Metadata, tokens and
 * registrations are a few kilobytes.
 */
import { OAuthError } from './oauth-error.ts';

/** The most an answer may hold. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * The body parsed as JSON; undefined when it is not JSON (or empty). Throws an OAuthError,
 * having cancelled the body, when it holds more than `limit` bytes.
 *
 * @example
 * const answer = await jsonAnswer(await fetch(tokenEndpoint, init), 'Token request');
 */
export async function jsonAnswer(response: Response, what: string, limit = MAX_ANSWER_BYTES): Promise<unknown> {
  const tooLarge = () => new OAuthError(`${what}: the answer holds more than ${limit} bytes`);
  if (Number(response.headers.get('content-length')) > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop cancels the body.
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  try {
    // TextDecoder drops a leading byte order mark, as Response.json() does.
    return JSON.parse(new TextDecoder().decode(Buffer.concat(chunks, size)));
  } catch {
    return undefined;
  }
}
