/**
 * Serializing outgoing messages. Long strings are not serialized at all (long-strings.ts). One
 * shortcut on the hot path: a `_meta` object made with {@link preEncoded} carries its own JSON,
 * which is spliced in instead of serialized again.
 * Modern results all carry the same `io.modelcontextprotocol/serverInfo` `_meta`; writing it
 * from a cached string saves about a quarter of the cost of serializing a small response.
 */
import type { JsonRpcMessage } from './jsonrpc.ts';
import { encodeAroundLongStrings } from './long-strings.ts';

const ENCODED = Symbol('mcp-core.encoded');

type Encodable = Record<string, unknown> & { [ENCODED]?: string };

/** Freezes `value` and attaches its JSON, for reuse as a `_meta` object in many results. */
export function preEncoded<T extends Record<string, unknown>>(value: T): T {
  Object.defineProperty(value, ENCODED, { value: JSON.stringify(value), enumerable: false });
  return Object.freeze(value);
}

/** The message as JSON text; equal to JSON.stringify(message), only faster when it can be. */
export function encodeMessage(message: JsonRpcMessage): string {
  const parts = encodeParts(message);
  return parts.length === 2 ? parts[0] + parts[1] : parts.join('');
}

/**
 * The message as JSON text in pieces: `head + tail`, or more pieces around its long strings
 * (long-strings.ts). A large message is best written as these pieces: joining them copies the
 * whole text once more before it is written.
 */
export function encodeParts(message: JsonRpcMessage): string[] {
  const around = encodeAroundLongStrings(message);
  if (around !== undefined) return around;
  const result = (message as { result?: Record<string, unknown> }).result;
  const meta = result?._meta as Encodable | undefined;
  const cached = meta?.[ENCODED];
  if (cached === undefined) return [JSON.stringify(message), ''];
  // `result` is the message's last member and `_meta` is left out below, so the text ends in
  // "}}"; the cached `_meta` goes in front of those two braces.
  result!._meta = undefined;
  const text = JSON.stringify(message);
  result!._meta = meta;
  if (text.charCodeAt(text.length - 3) === 0x7b /* an otherwise empty result: "{}}" */) return [JSON.stringify(message), ''];
  return [text.slice(0, -2), `,"_meta":${cached}}}`];
}
