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

/**
 * The messages an SSE event carries: each of a batch's, else the one. A server of 2025-03-26
 * may batch what it sends on a stream (basic/transports: "These messages MAY be batched");
 * a batch inside a batch is left whole, for the receiver to refuse as not a message.
 */
export function messagesOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) && value.length > 0 ? value : [value];
}
