/**
 * A listener of its own for operational routes: the metrics endpoint on `metrics.port`, kept
 * off the listener clients reach (and served by a server without HTTP, under `--stdio`). It
 * serves its routes and nothing else: another path is 404, a route that throws answers 500.
 *
 * It holds what any listener must against a client that misbehaves: node:http's slow-client
 * limits, and at most `maxConnections` connections at once (node:http closes those past it as
 * they come). What each request costs is its route's to bound (the metrics route budgets its
 * gathers).
 *
 * @example
 * const listener = await serveRoutes({ '/metrics': metrics.route() }, { host: '0.0.0.0', port: 9464 });
 * listener.url // 'http://0.0.0.0:9464'
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathOf, runRoute, type HttpRoute } from './route.ts';

export interface RouteListenerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Connections open at once. Default 64. */
  maxConnections?: number;
}

export interface RouteListener {
  server: Server;
  /** `http://host:port`, without a path. */
  url: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export async function serveRoutes(routes: Readonly<Record<string, HttpRoute>>, options: RouteListenerOptions = {}): Promise<RouteListener> {
  const byPath = new Map(Object.entries(routes));
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 60_000, keepAliveTimeout: 65_000, connectionsCheckingInterval: 1000 }, (req, res) => {
    const route = byPath.get(pathOf(req.url));
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    runRoute(route, req, res);
  });
  server.maxConnections = options.maxConnections ?? 64;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
