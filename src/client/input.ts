/**
 * Answers to the server's questions (elicitation, sampling, roots), given for the whole client
 * or for one request. A request's own handler wins over the client's for the questions that
 * belong to that request, so a gateway can pass an upstream's question to the caller whose
 * call asked it.
 *
 * Which request a question belongs to:
 * - Modern era (spec 2026-07-28, basic/patterns/mrtr): the questions come back in the
 *   request's own `InputRequiredResult`, so the tie is exact.
 * - Legacy era over Streamable HTTP: a server-to-client request that arrives on the SSE stream
 *   of a POST belongs to that POST's request (spec 2025-11-25, basic/transports), exactly.
 * - Legacy era over stdio, and on HTTP's standalone GET stream: the 2025-11-25 spec gives no
 *   tie (the GET stream is for messages "unrelated" to any request, yet the Python SDK 1.x
 *   sends `roots/list` and `sampling/createMessage` there in the middle of a call). The client
 *   uses, in order: a `progressToken` in the question's `_meta` equal to a request's own
 *   progress token; else the only request in flight with a handler for that question; else
 *   the client's handler. When several requests in flight have a handler for it and the
 *   client has none, the question is refused rather than guessed, since answering it for the
 *   wrong caller could leak that caller's data.
 */
import { Method } from '../protocol/methods.ts';
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestParams,
  ElicitResult,
  ListRootsResult,
} from '../protocol/types.ts';

/** What an input handler knows besides the question. */
export interface InputContext {
  /**
   * Aborted when the answer is no longer wanted: the server cancelled its question (legacy),
   * the request it belongs to ended, or the connection closed.
   */
  signal: AbortSignal;
}

/**
 * Handlers for the server's questions. Given in `ClientOptions` they answer every question;
 * given in `RequestOptions` they answer the questions of that request only.
 *
 * @example
 * const onElicit: InputHandlers['onElicit'] = async ({ message }, { signal }) =>
 *   ({ action: 'accept', content: { answer: await askUser(message, signal) } });
 */
export interface InputHandlers {
  /** `elicitation/create`: ask the user. */
  onElicit?: (params: ElicitRequestParams, context: InputContext) => ElicitResult | Promise<ElicitResult>;
  /** `sampling/createMessage`: ask the model. */
  onSample?: (params: CreateMessageRequestParams, context: InputContext) => CreateMessageResult | Promise<CreateMessageResult>;
  /** `roots/list`: the client's filesystem roots. */
  onListRoots?: (context: InputContext) => ListRootsResult | Promise<ListRootsResult>;
}

/**
 * Told when the client starts and stops answering the server's questions that belong to one
 * request (`RequestOptions.inputWatch`): meanwhile the request waits on its own side, not on
 * the server. A gateway gives its upstream's call slot back while its caller thinks.
 */
export interface InputWatch {
  /** A question of the request is given to its handler. */
  asking(): void;
  /**
   * That handler has answered (or failed); the answer goes to the server once what this
   * returns settles (the request may have to wait for its turn again).
   */
  answered(): Promise<void> | undefined;
}

type AnyHandler = (params: never, context: InputContext) => unknown;

/** The handler of `handlers` for a question's method, if it has one. */
export function handlerFor(method: string, handlers: InputHandlers): AnyHandler | undefined {
  switch (method) {
    case Method.ElicitationCreate:
      return handlers.onElicit as AnyHandler | undefined;
    case Method.SamplingCreateMessage:
      return handlers.onSample as AnyHandler | undefined;
    case Method.RootsList:
      return handlers.onListRoots as AnyHandler | undefined;
    default:
      return undefined;
  }
}

/**
 * `capabilities` with those the handlers imply added. Returns `capabilities` itself when
 * nothing is missing, so the common case allocates nothing.
 */
export function withHandlerCapabilities(capabilities: ClientCapabilities, handlers: InputHandlers): ClientCapabilities {
  const missing =
    (handlers.onElicit !== undefined && capabilities.elicitation === undefined) ||
    (handlers.onSample !== undefined && capabilities.sampling === undefined) ||
    (handlers.onListRoots !== undefined && capabilities.roots === undefined);
  if (!missing) return capabilities;
  const merged: ClientCapabilities = { ...capabilities };
  if (handlers.onElicit) merged.elicitation ??= {};
  if (handlers.onSample) merged.sampling ??= {};
  if (handlers.onListRoots) merged.roots ??= {};
  return merged;
}
