/**
 * The metrics endpoint's answers, bounded: the endpoint is outside authentication, and one
 * gather (every collector read, every sample formatted; with `--workers`, every worker's
 * registry serialized and merged) costs about a millisecond of CPU, dozens of times what
 * answering a request from memory costs. Scrapes share gathers and budget them as
 * shared-read.ts says (a burst of 10, then one per `maxAgeMs`), the scrapes past the budget
 * being answered, byte for byte, with the last gather. The exposition says how old it is:
 * `mcp_metrics_gather_timestamp_seconds` is when its values were read, and
 * `mcp_metrics_gathers_total` counts the gathers (scrapes answered by the same one see the
 * same count).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SharedRead } from './shared-read.ts';

/** One gather's answer: the exposition as sent, and when its values were read. */
export interface Exposition {
  readonly body: Buffer;
  /** When the gather began, in ms since the epoch (Date.now()): its values are at least this recent. */
  readonly gatheredAt: number;
}

/**
 * Gathers shared by the scrapes of one process (shared-read.ts): at most one at a time, at
 * most 10 in a row, then one per `maxAgeMs` (default 1000; 0: no budget); a scrape
 * past the budget gets the last gather while it is less than `maxAgeMs` old.
 */
export function sharedExposition(gather: () => Promise<Exposition>, maxAgeMs?: number): SharedRead<Exposition> {
  return new SharedRead(gather, { maxAgeMs, readAt: (exposition) => exposition.gatheredAt });
}

const GATHERS = '# HELP mcp_metrics_gathers_total Gathers of the metrics; scrapes during one, and scrapes past the budget (one gather per metrics.maxAgeMs after a burst), are answered with it.\n# TYPE mcp_metrics_gathers_total counter\nmcp_metrics_gathers_total ';
const GATHERED_AT =
  '# HELP mcp_metrics_gather_timestamp_seconds When the values of this exposition were read (Unix time): scrapes past the budget are answered with a gather less than metrics.maxAgeMs old.\n# TYPE mcp_metrics_gather_timestamp_seconds gauge\nmcp_metrics_gather_timestamp_seconds ';

/**
 * Turns a read of the exposition text into gathers that count themselves and say when they
 * began: the two metrics are added at the end of the text.
 */
export function stamped(read: () => Promise<string>): () => Promise<Exposition> {
  let gathers = 0;
  return async () => {
    const gatheredAt = Date.now();
    const count = ++gathers;
    const text = await read();
    return { body: Buffer.from(`${text}${GATHERS}${count}\n${GATHERED_AT}${(gatheredAt / 1000).toFixed(3)}\n`), gatheredAt };
  };
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves `exposition` on GET (and HEAD); other methods get 405. */
export function expositionRoute(exposition: SharedRead<Exposition>, contentType: string): Route {
  const send = (req: IncomingMessage, res: ServerResponse, { body }: Exposition) => {
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method Not Allowed');
      req.resume();
      return;
    }
    const current = exposition.current();
    if (current !== undefined) return send(req, res, current);
    exposition.next().then(
      (gathered) => send(req, res, gathered),
      (error: unknown) => {
        if (res.destroyed || res.headersSent) return;
        const text = `metrics unavailable: ${error instanceof Error ? error.message : 'unknown error'}\n`;
        res.writeHead(503, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) }).end(text);
      },
    );
  };
}

/**
 * Serves `read()` on GET (and HEAD), its gathers shared and budgeted as
 * {@link sharedExposition} describes; other methods get 405.
 *
 * @example
 * await serveHttp(server, { routes: { '/metrics': metricsRoute(() => registry.metrics(), registry.contentType, { maxAgeMs: 500 }) } });
 */
export function metricsRoute(read: () => Promise<string>, contentType: string, options: { maxAgeMs?: number } = {}): Route {
  return expositionRoute(sharedExposition(stamped(read), options.maxAgeMs), contentType);
}
