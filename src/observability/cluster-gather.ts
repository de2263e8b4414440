/**
 * The cluster primary's gather of its workers' metrics (`serve --workers N`), answering with
 * what it has. Each connected worker is asked for its registry (as JSON); the gather ends when
 * every worker asked has answered, exited, or `timeoutMs` has passed, and merges (prom-client's
 * AggregatorRegistry.aggregate) the last answer of every worker.
 *
 * Sums over the workers must not go down, or Prometheus takes them for a counter reset and
 * counts their whole value again as new (a phantom burst in every rate). So a worker that hangs
 * (a stopped process, a tool blocking its event loop) is shown by its last answer, counted in
 * `mcp_metrics_workers_unanswered`, rather than left out; and the counters and histograms of a
 * worker that exited stay in the sums at their last values (its gauges go with it), while its
 * replacement counts from zero.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';

export const COLLECT = 'mcp-core:metrics-collect';
export const COLLECTED = 'mcp-core:metrics-collected';

export interface CollectRequest {
  type: typeof COLLECT;
  id: number;
}

export interface CollectResponse {
  type: typeof COLLECTED;
  id: number;
  metrics?: object[];
  error?: string;
}

const UNANSWERED =
  '# HELP mcp_metrics_workers_unanswered Cluster workers that did not answer this gather in time (hung or busy): their values here are those of their last answer.\n# TYPE mcp_metrics_workers_unanswered gauge\nmcp_metrics_workers_unanswered ';

interface Gather {
  waiting: Map<Worker, () => void>;
  answered: number;
  finish: () => void;
}

/** What of an exited worker's metrics stays in the sums: what only grows. */
const KEPT_TYPES = new Set(['counter', 'histogram']);

/** `parts` merged into one list of metrics (as getMetricsAsJSON gives), now. */
function merge(parts: object[][]): object[] {
  return AggregatorRegistry.aggregate(parts)
    .getMetricsAsArray()
    .map(({ name, help, type, aggregator, values }: any) => ({ name, help, type, aggregator, values }));
}

/** The primary's gathers, and the handler for its workers' answers. */
export function clusterGather(timeoutMs: number): { gather: () => Promise<string>; onMessage: (worker: Worker, message: unknown) => void } {
  const gathers = new Map<number, Gather>();
  /** Each live worker's last answer. */
  const last = new Map<Worker, object[]>();
  /** The counters and histograms of the workers that exited, at their last values, merged. */
  let retired: object[] = [];
  cluster.on('exit', (worker) => {
    const kept = last.get(worker)?.filter((metric) => KEPT_TYPES.has((metric as { type?: string }).type ?? ''));
    last.delete(worker);
    if (kept !== undefined && kept.length > 0) retired = merge([retired, kept]);
  });
  let next = 0;
  const gather = () =>
    new Promise<string>((resolve) => {
      const id = ++next;
      const waiting = new Map<Worker, () => void>();
      let asked = 0;
      const finish = () => {
        const pending = gathers.get(id);
        if (pending === undefined) return;
        gathers.delete(id);
        clearTimeout(timer);
        for (const [worker, onExit] of waiting) worker.off('exit', onExit);
        const parts = [retired, ...last.values()];
        const text = AggregatorRegistry.aggregate(parts).metrics();
        text.then((merged) => resolve(`${merged}${UNANSWERED}${asked - pending.answered}\n`));
      };
      const timer = setTimeout(finish, timeoutMs);
      gathers.set(id, { waiting, answered: 0, finish });
      for (const worker of Object.values(cluster.workers ?? {})) {
        if (worker === undefined || !worker.isConnected()) continue;
        try {
          worker.send({ type: COLLECT, id } satisfies CollectRequest);
        } catch {
          continue;
        }
        asked++;
        // A worker that dies during the gather will not answer: stop waiting for it (not counted
        // as unanswered: it is gone, its sums kept as retired).
        const onExit = () => {
          asked--;
          settle(id, worker);
        };
        waiting.set(worker, onExit);
        worker.once('exit', onExit);
      }
      if (waiting.size === 0) finish();
    });
  const settle = (id: number, worker: Worker, metrics?: object[]) => {
    const pending = gathers.get(id);
    const onExit = pending?.waiting.get(worker);
    if (pending === undefined || onExit === undefined) return;
    pending.waiting.delete(worker);
    worker.off('exit', onExit);
    if (metrics !== undefined) {
      // An answer read after the worker's exit is not taken back from the retired sums.
      if (!worker.isDead()) last.set(worker, metrics);
      pending.answered++;
    }
    if (pending.waiting.size === 0) pending.finish();
  };
  const onMessage = (worker: Worker, message: unknown) => {
    const response = message as CollectResponse | null;
    if (response?.type !== COLLECTED || typeof response.id !== 'number') return;
    settle(response.id, worker, Array.isArray(response.metrics) ? response.metrics : undefined);
  };
  return { gather, onMessage };
}
