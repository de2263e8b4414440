/**
 * Errors no client will be told about (a handler's unexpected failure, a store that failed in
 * the background) still need an owner: they are reported here, never left as unhandled
 * rejections that would stop the process.
 *
 * Reports are published on the `mcp-core:error` diagnostics channel; the logger subscribes
 * (observability/). With no subscriber they are written to stderr, so nothing is lost when
 * logging is not set up.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { describeValue } from './guards.ts';

/** Where an unreported error happened: the request's method, or a background operation. */
export interface ErrorContext {
  /** The JSON-RPC method being served, when the error belongs to a request. */
  method?: string;
  /** What failed when no request is involved, e.g. `"event store append"`. */
  operation?: string;
}

/** The message of the `mcp-core:error` channel. */
export interface ErrorReport extends ErrorContext {
  error: unknown;
}

export const errorChannel = diagnostics_channel.channel('mcp-core:error');

/**
 * Reports an error that has no one else to go to.
 *
 * @example
 * store.drop(id).catch((error) => reportError(error, { operation: 'event store drop' }));
 */
export function reportError(error: unknown, context: ErrorContext): void {
  if (errorChannel.hasSubscribers) {
    errorChannel.publish({ error, method: context.method, operation: context.operation } satisfies ErrorReport);
    return;
  }
  const where = context.method ?? context.operation ?? 'background work';
  const stack = error instanceof Error ? error.stack : undefined;
  process.stderr.write(`mcp-core: unexpected error in ${where}: ${typeof stack === 'string' ? stack : describeValue(error)}\n`);
}

/**
 * Gives the result of a call that may be asynchronous (a pluggable store's method) an owner:
 * when it is a promise (or any thenable), a rejection goes to `onError` instead of going
 * unhandled.
 */
export function ownRejection(value: unknown, onError: (error: unknown) => void): void {
  if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
    (value as PromiseLike<unknown>).then(undefined, onError);
  }
}
