/**
 * The JSON body of an authorization server's answer, read up to a bound. The server is named
 * by the MCP server's metadata, so it may be anyone's: an endless or huge body must not grow
 * the client's memory for as long as the request's timeout allows. Metadata, tokens and
 * registrations are a few kilobytes.
 */
import { boundedText } from '../../protocol/bounded-body.ts';
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
  const text = await boundedText(response, limit, () => new OAuthError(`${what}: the answer holds more than ${limit} bytes`));
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
