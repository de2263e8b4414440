/** Routes beside the MCP endpoint (`/healthz`, `/metrics`): plain node:http request handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `immediate`: answered at once from memory, outside the in-flight bounds (a liveness probe). */
export type HttpRoute = ((req: IncomingMessage, res: ServerResponse) => void) & { readonly immediate?: boolean };

/** Runs `route`; one that throws answers 500 rather than taking the process down. */
export function runRoute(route: HttpRoute, req: IncomingMessage, res: ServerResponse): void {
  try {
    route(req, res);
  } catch {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('Internal Server Error');
  }
}

/** The path of a request target: what a route, or the MCP endpoint, is matched by (no query). */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
