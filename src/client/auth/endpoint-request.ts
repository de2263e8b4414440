/**
 * One request of the OAuth client to an endpoint of the authorization side (protected resource
 * metadata, authorization server metadata, client registration, token): sent with a timeout
 * that covers the whole answer, body included (a server trickling a byte a second holds nothing
 * for longer), redirects not followed (a 3xx is the answer), the body read up to a bound
 * (json-answer.ts). However it fails, the caller sees an OAuthError naming the endpoint by its
 * origin and path only (a query or credentials in the URL stay out of messages), with the
 * failure it wraps as its `cause`, and the code a caller's retry policy knows: MCP_ERR_TIMEOUT,
 * MCP_ERR_UNREACHABLE (nothing was sent), MCP_ERR_CONNECTION_CLOSED (the connection broke).
 */
import { LocalErrorCode, UNREACHABLE_CODES } from '../../protocol/local-errors.ts';
import { jsonAnswer } from './json-answer.ts';
import { OAuthError } from './oauth-error.ts';

/** How long one request may take, its answer read whole, unless the client says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** How the client reaches the authorization side: its fetch, and the timeout of each request. */
export interface EndpointClient {
  fetch: typeof fetch;
  /** Milliseconds one request may take, its answer read whole. Default 30,000. */
  timeoutMs?: number;
}

export interface EndpointAnswer {
  response: Response;
  /** The body parsed as JSON; undefined when it is not JSON, or was not read. */
  body: unknown;
}

/** An endpoint as messages name it: origin and path, no query, no credentials. */
export function endpointName(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Sends `init` to `url` and reads the JSON answer (or, when `read` says no, cancels its body).
 * `what` opens error messages (`Token request ("client_credentials")`).
 *
 * @example
 * const { response, body } = await requestEndpoint({ fetch }, new URL(server.token_endpoint), { method: 'POST', body: form }, 'Token request');
 */
export async function requestEndpoint(
  client: EndpointClient,
  url: URL,
  init: RequestInit,
  what: string,
  read: (response: Response) => boolean = () => true,
): Promise<EndpointAnswer> {
  const timeoutMs = client.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await client.fetch(url, { ...init, redirect: 'manual', signal });
    if (!read(response)) {
      await response.body?.cancel();
      return { response, body: undefined };
    }
    return { response, body: await jsonAnswer(response, `${what} to ${endpointName(url)}`) };
  } catch (error) {
    throw requestFailure(error, `${what} to ${endpointName(url)}`, signal.aborted ? timeoutMs : undefined);
  }
}

/** A failure to get an answer as an OAuthError; `timedOut`: the timeout it ran out of. */
function requestFailure(error: unknown, request: string, timedOut: number | undefined): OAuthError {
  if (error instanceof OAuthError) return error;
  if (timedOut !== undefined) return new OAuthError(`${request} timed out after ${duration(timedOut)}`, { cause: error, code: LocalErrorCode.Timeout });
  // fetch's TypeError carries the system error as its cause; other fetches throw it as it is.
  // Only its code goes into the message: a fetch's own message may quote the whole URL.
  const system = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  const code = typeof system === 'string' ? system : undefined;
  if (code !== undefined && UNREACHABLE_CODES.has(code)) return new OAuthError(`${request} could not reach the server (${code})`, { cause: error, code: LocalErrorCode.Unreachable });
  const detail = code ?? (error instanceof Error ? error.name : 'unknown error');
  return new OAuthError(`${request} failed (${detail})`, { cause: error, code: LocalErrorCode.ConnectionClosed });
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
