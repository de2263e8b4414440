/**
 * The connections a fetch of undici-fetch.ts sends its requests on: keep-alive ones, and one per
 * request for a resend (connection-reuse.ts). Either the client's own HTTP/1.1 connections
 * (h1-agent.ts) or undici's pool, each loaded with the first request.
 */
import type { Dispatcher } from 'undici';
import { countingConnector } from './connection-reuse.ts';
import { proxyInEnv } from './proxy-env.ts';

/** What sends a fetch's requests: undici's dispatchers, or h1-agent.ts's. */
export interface RequestDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
}

/** The connections of one fetch: keep-alive ones, and one per request for a resend. */
export interface Pools {
  /** Keep-alive connections, reused; their sockets count their requests. */
  pooled: RequestDispatcher;
  /** A connection per request, for a resend that must not meet another stale connection. */
  fresh: RequestDispatcher;
}

/**
 * The client's own HTTP/1.1 connections (h1-agent.ts), loaded with the first request as undici
 * is; undici's through the proxy the environment names, if it names one (h1-agent.ts speaks to
 * origins alone).
 */
export async function createH1Pools(keepAliveTimeout: number): Promise<Pools> {
  if (proxyInEnv()) return createPools(keepAliveTimeout);
  const { H1Agent } = await import('./h1-agent.ts');
  return { pooled: new H1Agent({ keepAliveTimeout }), fresh: new H1Agent({ keepAliveTimeout, reuse: false }) };
}

/**
 * undici is loaded with the first request (a client that never speaks HTTP does not pay for
 * it). With a proxy in the environment (proxy-env.ts), requests go through it, except to the
 * hosts of NO_PROXY; their connections are not counted, so a request broken on a stale one is
 * not sent again (connection-reuse.ts): the client's retry policy decides.
 */
export async function createPools(keepAliveTimeout: number): Promise<Pools> {
  // undici is CommonJS: its exports are all on `default` wherever it is imported from (in a
  // bundle's lazily loaded chunk there is nothing else).
  const { Agent, EnvHttpProxyAgent, buildConnector } = (await import('undici')).default;
  if (proxyInEnv()) {
    return {
      pooled: new EnvHttpProxyAgent({ keepAliveTimeout, keepAliveMaxTimeout: keepAliveTimeout }),
      fresh: new EnvHttpProxyAgent({ pipelining: 0 }),
    };
  }
  // keepAliveMaxTimeout caps what a server's `Keep-Alive: timeout=N` asks for too.
  const pooled = new Agent({ keepAliveTimeout, keepAliveMaxTimeout: keepAliveTimeout, connect: countingConnector(buildConnector({})) });
  // pipelining 0: no keep-alive, each request on a connection of its own.
  const fresh = new Agent({ pipelining: 0 });
  return { pooled, fresh };
}
