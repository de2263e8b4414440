/**
 * Health endpoints for orchestrators and load balancers, outside MCP and outside auth:
 * `GET /healthz` (liveness: the process serves HTTP) answers a {@link HealthStatus};
 * `GET /readyz` (readiness: send it work) is 200 only while the server accepts work, i.e. not
 * draining for shutdown, and every readiness check added (a gateway adds its required
 * upstreams) passes; otherwise 503. A draining server stays live: restarting it would cut the
 * calls it is finishing.
 *
 * The endpoints are outside authentication, and checks may cost (a database pinged, a
 * gateway's upstreams looked over), so `/readyz` shares its checks' runs as shared-read.ts
 * says: a run under way answers every probe arriving meanwhile, and runs are budgeted, a burst
 * of 10 then one per `readinessMaxAgeMs`, the probes past the budget getting the last run's
 * results (less than that old). Draining is not a check: it is read at every probe, so
 * shutdown shows at once however many probes came before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkTimerMs } from '../protocol/timer-limit.ts';
import { reportError } from '../protocol/error-report.ts';
import type { HttpRoute } from '../transport/http/route.ts';
import { SharedRead } from './shared-read.ts';

/** The body of `GET /healthz`. */
export interface HealthStatus {
  /** `ok`, or `draining` once shutdown has begun (still live). */
  status: 'ok' | 'draining';
  /** The served server's version (serverInfo.version). */
  version: string;
  uptime_seconds: number;
  /** Clients the server holds state for: legacy sessions and a connected stdio client. */
  connected_clients: number;
  /** Tools registered. */
  tools_available: number;
}

export interface ReadinessCheckResult {
  ready: boolean;
  detail?: string;
}

/** A readiness condition; a throw, a rejection or a timeout counts as not ready. */
export type ReadinessCheck = () => boolean | ReadinessCheckResult | Promise<boolean | ReadinessCheckResult>;

/** The body of `GET /readyz`. */
export interface Readiness {
  status: 'ready' | 'unready' | 'draining';
  checks: Record<string, ReadinessCheckResult>;
}

export interface HealthOptions {
  version: string;
  connectedClients: () => number;
  toolsAvailable: () => number;
  /**
   * How long one readiness check may take before it counts as not ready. Default 2000 ms. At
   * most 2147483647 (2^31 - 1 ms, about 24.8 days, the longest a timer holds): a longer one is
   * refused with a RangeError (a probe that never answers is no readiness check).
   */
  checkTimeoutMs?: number;
  /**
   * `/readyz`'s budget of check runs: past a burst of 10, one per this many ms, a probe past it
   * getting the last run's results (less than this old). Default 1000; 0: no budget (probes
   * share a run under way only). Draining is read at every probe whatever this is.
   */
  readinessMaxAgeMs?: number;
}

/** One run of every readiness check: whether all passed, their results, and when it began. */
interface CheckRun {
  ready: boolean;
  checks: Record<string, ReadinessCheckResult>;
  /** Date.now() when the run began. */
  ranAt: number;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

function withTimeout(check: ReadinessCheck, ms: number): Promise<ReadinessCheckResult> {
  return new Promise<ReadinessCheckResult>((resolve) => {
    const timer = setTimeout(() => resolve({ ready: false, detail: `no answer within ${ms} ms` }), ms);
    const settle = (result: ReadinessCheckResult) => {
      clearTimeout(timer);
      resolve(result);
    };
    try {
      Promise.resolve(check()).then(
        (value) => settle(typeof value === 'boolean' ? { ready: value } : { ready: value?.ready === true, detail: value?.detail }),
        (error: unknown) => settle({ ready: false, detail: error instanceof Error ? error.message : 'check failed' }),
      );
    } catch (error) {
      settle({ ready: false, detail: error instanceof Error ? error.message : 'check failed' });
    }
  });
}

/**
 * @example
 * const health = new Health({ version: '1.0.0', connectedClients: () => 0, toolsAvailable: () => 3 });
 * health.addReadinessCheck('upstream:github', () => pool.healthy('github'));
 * await serveHttp(server, { routes: health.routes() });
 */
export class Health {
  readonly #options: HealthOptions;
  readonly #checks: Map<string, ReadinessCheck>;
  readonly #timeoutMs: number;
  readonly #runs: SharedRead<CheckRun>;
  #draining: boolean;

  constructor(options: HealthOptions) {
    this.#options = options;
    this.#checks = new Map();
    checkTimerMs('checkTimeoutMs', options.checkTimeoutMs);
    this.#timeoutMs = options.checkTimeoutMs ?? 2000;
    this.#runs = new SharedRead(() => this.#run(), { maxAgeMs: options.readinessMaxAgeMs, readAt: (run) => run.ranAt });
    this.#draining = false;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Shutdown has begun: readiness fails from now on. */
  startDraining(): void {
    this.#draining = true;
  }

  /** Adds (or replaces) a named condition readiness requires. */
  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.#checks.set(name, check);
    this.#runs.forget();
  }

  removeReadinessCheck(name: string): void {
    this.#checks.delete(name);
    this.#runs.forget();
  }

  status(): HealthStatus {
    return {
      status: this.#draining ? 'draining' : 'ok',
      version: this.#options.version,
      uptime_seconds: Math.floor(process.uptime()),
      connected_clients: this.#options.connectedClients(),
      tools_available: this.#options.toolsAvailable(),
    };
  }

  /** Runs every readiness check now (`/readyz` shares and budgets its runs). */
  async readiness(): Promise<Readiness> {
    return this.#readinessOf(await this.#run());
  }

  async #run(): Promise<CheckRun> {
    const ranAt = Date.now();
    const names = [...this.#checks.keys()];
    const results = await Promise.all(names.map((name) => withTimeout(this.#checks.get(name)!, this.#timeoutMs)));
    const checks: Record<string, ReadinessCheckResult> = {};
    names.forEach((name, i) => (checks[name] = results[i]));
    return { ready: results.every((r) => r.ready), checks, ranAt };
  }

  /** Draining wins over the checks: it was decided, not measured, and is read now. */
  #readinessOf(run: CheckRun): Readiness {
    return { status: this.#draining ? 'draining' : run.ready ? 'ready' : 'unready', checks: run.checks };
  }

  /**
   * `/healthz` and `/readyz`, for serveHttp's `routes`. `/readyz` counts in the in-flight
   * bounds (a server at them is refused there: send it no more work); `/healthz` does not, so
   * a busy server is never restarted for being busy.
   */
  routes(): Record<string, HttpRoute> {
    return {
      // Answered at once from memory: not counted in the in-flight bounds (HttpRoute).
      '/healthz': Object.assign(
        (req: IncomingMessage, res: ServerResponse) => {
          if (refuseMethod(req, res)) return;
          send(req, res, 200, this.status());
        },
        { immediate: true },
      ),
      '/readyz': (req, res) => {
        if (refuseMethod(req, res)) return;
        const answer = (run: CheckRun) => {
          const readiness = this.#readinessOf(run);
          send(req, res, readiness.status === 'ready' ? 200 : 503, readiness);
        };
        const last = this.#runs.current();
        if (last !== undefined) return answer(last);
        this.#runs
          .next()
          .then(answer)
          .catch((error: unknown) => {
            reportError(error, { operation: 'GET /readyz' });
            if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
          });
      },
    };
  }
}

function refuseMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method Not Allowed');
  req.resume();
  return true;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}
