/**
 * Health endpoints for orchestrators and load balancers, outside MCP and outside auth:
 * `GET /healthz` (liveness: the process serves HTTP) answers a {@link HealthStatus};
 * `GET /readyz` (readiness: send it work) is 200 only while the server accepts work, i.e. not
 * draining for shutdown, and every readiness check added (a gateway adds its required
 * upstreams) passes; otherwise 503. A draining server stays live: restarting it would cut the
 * calls it is finishing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { reportError } from '../protocol/error-report.ts';
import type { HttpRoute } from '../transport/http/node.ts';

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
  /** How long one readiness check may take before it counts as not ready. Default 2000 ms. */
  checkTimeoutMs?: number;
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
  #draining: boolean;

  constructor(options: HealthOptions) {
    this.#options = options;
    this.#checks = new Map();
    this.#timeoutMs = options.checkTimeoutMs ?? 2000;
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
  }

  removeReadinessCheck(name: string): void {
    this.#checks.delete(name);
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

  async readiness(): Promise<Readiness> {
    const names = [...this.#checks.keys()];
    const results = await Promise.all(names.map((name) => withTimeout(this.#checks.get(name)!, this.#timeoutMs)));
    const checks: Record<string, ReadinessCheckResult> = {};
    names.forEach((name, i) => (checks[name] = results[i]));
    // Draining wins over the checks: it was decided, not measured.
    if (this.#draining) return { status: 'draining', checks };
    return { status: results.every((r) => r.ready) ? 'ready' : 'unready', checks };
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
        this.readiness()
          .then((readiness) => send(req, res, readiness.status === 'ready' ? 200 : 503, readiness))
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
