/**
 * The metrics endpoint's answers, bounded: the endpoint is outside authentication, and one
 * gather (every collector read, every sample formatted; with `--workers`, every worker's
 * registry serialized and merged) costs about a millisecond of CPU, dozens of times what
 * answering a request from memory costs, so a client asking in a loop could take the CPU
 * from MCP traffic. Scrapes share gathers: one under way answers every scrape arriving
 * meanwhile; and gathers are budgeted, a burst of {@link BURST} and then one per `maxAgeMs`
 * (a token bucket), the scrapes past the budget being answered, byte for byte, with the last
 * gather, which is then less than `maxAgeMs` old. A Prometheus scraping every 5 to 60 s, or
 * a person with curl, always gets a gather of their own; a flood costs at most one gather per
 * `maxAgeMs`. The exposition says how old it is: `mcp_metrics_gather_timestamp_seconds` is
 * when its values were read, and `mcp_metrics_gathers_total` counts the gathers (scrapes
 * answered by the same one see the same count).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One gather's answer: the exposition as sent, and when its values were read. */
export interface Exposition {
  readonly body: Buffer;
  /** When the gather began, in ms since the epoch (Date.now()): its values are at least this recent. */
  readonly gatheredAt: number;
}

/** Past its budget, how old the last gather may be when answered again, by default. */
export const DEFAULT_MAX_AGE_MS = 1000;
/** Gathers allowed in a row before the budget of one per maxAgeMs applies. */
export const BURST = 10;

/**
 * Gathers shared by the scrapes of one process: at most one at a time, at most {@link BURST}
 * in a row, then one per `maxAgeMs`; a scrape past the budget gets the last gather while it is
 * less than `maxAgeMs` old. `maxAgeMs` 0: no budget (scrapes share gathers under way only).
 *
 * @example
 * const exposition = new SharedExposition(stamped(() => registry.metrics()), 1000);
 * const { body } = exposition.current() ?? (await exposition.next());
 */
export class SharedExposition {
  readonly #gather: () => Promise<Exposition>;
  readonly #maxAgeMs: number;
  #last: Exposition | undefined;
  #gathering: Promise<Exposition> | undefined;
  /** Gathers allowed now, up to BURST; one more every maxAgeMs. */
  #tokens: number;
  /** When #tokens was last topped up (performance.now(): a clock set back changes nothing). */
  #toppedUpAt: number;

  constructor(gather: () => Promise<Exposition>, maxAgeMs: number = DEFAULT_MAX_AGE_MS) {
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new RangeError(`maxAgeMs must be a number >= 0, not ${maxAgeMs}`);
    this.#gather = gather;
    this.#maxAgeMs = maxAgeMs;
    this.#last = undefined;
    this.#gathering = undefined;
    this.#tokens = BURST;
    this.#toppedUpAt = performance.now();
  }

  /**
   * The last gather, when the budget allows no other and it is less than maxAgeMs old (it
   * always is in one process: a gather takes a token when it begins, and a token comes back
   * within maxAgeMs; with --workers a worker's last came from the primary, maybe older).
   */
  current(): Exposition | undefined {
    const last = this.#last;
    if (last === undefined || this.#maxAgeMs === 0 || this.#topUp() >= 1) return undefined;
    const age = Date.now() - last.gatheredAt;
    return age >= 0 && age < this.#maxAgeMs ? last : undefined;
  }

  /** The gather under way, or a new one (taking a token). */
  next(): Promise<Exposition> {
    if (this.#gathering !== undefined) return this.#gathering;
    this.#tokens = Math.max(0, this.#topUp() - 1);
    return (this.#gathering = this.#gather().then(
      (exposition) => {
        this.#gathering = undefined;
        this.#last = exposition;
        return exposition;
      },
      (error: unknown) => {
        this.#gathering = undefined;
        throw error;
      },
    ));
  }

  #topUp(): number {
    const now = performance.now();
    if (this.#maxAgeMs > 0) this.#tokens = Math.min(BURST, this.#tokens + (now - this.#toppedUpAt) / this.#maxAgeMs);
    this.#toppedUpAt = now;
    return this.#tokens;
  }
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
export function expositionRoute(exposition: SharedExposition, contentType: string): Route {
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
 * {@link SharedExposition} describes; other methods get 405.
 *
 * @example
 * await serveHttp(server, { routes: { '/metrics': metricsRoute(() => registry.metrics(), registry.contentType, { maxAgeMs: 500 }) } });
 */
export function metricsRoute(read: () => Promise<string>, contentType: string, options: { maxAgeMs?: number } = {}): Route {
  return expositionRoute(new SharedExposition(stamped(read), options.maxAgeMs), contentType);
}
