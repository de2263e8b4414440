/**
 * JSON-RPC batches: the 2025-03-26 revision has them (basic: implementations "MUST support
 * receiving JSON-RPC batches"); the next one removed them. So a batch is taken only in a
 * session of that revision, where each of its messages is served as if it came alone.
 */

/** The one revision with batches. */
export const BATCH_VERSION = '2025-03-26';

/**
 * Messages in one batch, at most: its requests are bounded as any others are, but its
 * notifications and answers are all served in one turn.
 */
export const MAX_BATCH_MESSAGES = 1024;

/** Why a batch of `size` messages is not taken in a session of `version`, if it is not. */
export function batchProblem(version: string, size: number): string | undefined {
  if (version !== BATCH_VERSION) return `Invalid Request: JSON-RPC batches are taken only in sessions of protocol version ${BATCH_VERSION}; this one is ${version}`;
  if (size > MAX_BATCH_MESSAGES) return `Invalid Request: a batch of ${size} messages; at most ${MAX_BATCH_MESSAGES} are taken`;
  return undefined;
}
