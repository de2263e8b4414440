/**
 * How the JSON Web Key Set is fetched (jose's `customFetch`): the body read up to a bound, and a
 * fetch that failed not tried again at once.
 *
 * jose reads the key set with `response.json()`, whole, for as long as its timeout allows: a
 * key set endpoint sending a body without end grew the server's memory by a gigabyte in 5 s.
 * And jose's cooldown counts from the last fetch that succeeded, so while the endpoint fails
 * (5xx, not JSON, too slow) every request that needs the set (the first token, a key id the set
 * does not hold, a set older than its cache age) fetched it again: a flood of tokens with
 * made-up key ids became a flood of fetches against an authorization server already in trouble.
 * After a failure, the requests of the next 5 s get the same failure (503 for the client, which
 * is told to retry in 5 s) without a fetch.
 */
import { boundedText } from '../protocol/bounded-body.ts';
import { isObject } from '../protocol/guards.ts';
import type { FailurePause } from './failure-pause.ts';

/** A key set larger than this is not read: one holds a few keys of well under 1 KiB each. */
export const MAX_KEY_SET_BYTES = 1024 * 1024;

/** The key set could not be had: a fault of the authorization server, not of the token. */
export class KeySetError extends Error {}

/**
 * A fetch for jose's `customFetch` that reads the key set within `MAX_KEY_SET_BYTES` and checks
 * it is a set of objects (so that a set jose would refuse counts as a failure here), and after
 * a failure answers with it again, without fetching, while `pause` lasts (failure-pause.ts).
 *
 * @example
 * createRemoteJWKSet(url, { [customFetch]: keySetFetch(new FailurePause()) });
 */
export function keySetFetch(pause: FailurePause): typeof fetch {
  return (url, init) => pause.run(() => fetchKeySet(url, init));
}

async function fetchKeySet(url: Parameters<typeof fetch>[0], init: RequestInit | undefined): Promise<Response> {
  const response = await fetch(url, init);
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new KeySetError(`the JSON Web Key Set endpoint answered HTTP ${response.status}`);
  }
  const text = await boundedText(response, MAX_KEY_SET_BYTES, () => new KeySetError(`the JSON Web Key Set is larger than ${MAX_KEY_SET_BYTES} bytes`));
  let set: unknown;
  try {
    set = JSON.parse(text);
  } catch {
    throw new KeySetError('the JSON Web Key Set endpoint answered with something other than JSON');
  }
  if (!isObject(set) || !Array.isArray(set.keys) || !set.keys.every(isObject)) throw new KeySetError('the JSON Web Key Set endpoint answered with something other than a key set');
  return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
}
