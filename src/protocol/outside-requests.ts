/**
 * Runs a function in the async context this module was loaded in (at start, outside any
 * request): for work that serves the process rather than the request it happens to begin in.
 *
 * Whatever a function starts (a timer, a connection, a promise chain) keeps the async context
 * it was started in, with every AsyncLocalStorage value of it: the request log's (the request
 * served, with its log ids), the trace's span, and any of the embedding application's. A
 * shared timer or an upstream connection begun while serving one request would carry that
 * request for as long as it lives: held in memory, and named by the connection's log lines
 * and traced requests though they are none of its business.
 *
 * @example
 * const connecting = outsideRequests(() => openConnection());
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const outsideRequests: <R>(fn: () => R) => R = AsyncLocalStorage.snapshot();
