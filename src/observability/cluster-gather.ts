/**
 * The cluster primary's gather of its workers' metrics (`serve --workers N`), answering with
 * what it has. Each connected worker is asked for its registry (as JSON); the gather ends when
 * every worker asked has answered, exited, or `timeoutMs` has passed, and merges the answers it
 * got (prom-client's AggregatorRegistry.aggregate). A worker that hangs (a stopped process, a
 * tool blocking its event loop) or dies during the gather leaves its own series out, not the
 * whole cluster's: `mcp_metrics_workers_unanswered` says how many were left out.
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
  '# HELP mcp_metrics_workers_unanswered Cluster workers whose metrics are missing from this exposition: they did not answer the gather in time (hung, busy or exiting).\n# TYPE mcp_metrics_workers_unanswered gauge\nmcp_metrics_workers_unanswered ';

interface Gather {
  waiting: Map<Worker, () => void>;
  answers: object[][];
  finish: () => void;
}

/** The primary's gathers, and the handler for its workers' answers. */
export function clusterGather(timeoutMs: number): { gather: () => Promise<string>; onMessage: (worker: Worker, message: unknown) => void } {
  const gathers = new Map<number, Gather>();
  let next = 0;
  const gather = () =>
    new Promise<string>((resolve) => {
      const id = ++next;
      const waiting = new Map<Worker, () => void>();
      const answers: object[][] = [];
      let asked = 0;
      const finish = () => {
        if (!gathers.delete(id)) return;
        clearTimeout(timer);
        for (const [worker, onExit] of waiting) worker.off('exit', onExit);
        const text = answers.length === 0 ? '' : AggregatorRegistry.aggregate(answers).metrics();
        Promise.resolve(text).then((merged) => resolve(`${merged}${UNANSWERED}${asked - answers.length}\n`));
      };
      const timer = setTimeout(finish, timeoutMs);
      gathers.set(id, { waiting, answers, finish });
      for (const worker of Object.values(cluster.workers ?? {})) {
        if (worker === undefined || !worker.isConnected()) continue;
        try {
          worker.send({ type: COLLECT, id } satisfies CollectRequest);
        } catch {
          continue;
        }
        asked++;
        // A worker that dies during the gather will not answer: stop waiting for it.
        const onExit = () => settle(id, worker);
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
    if (metrics !== undefined) pending.answers.push(metrics);
    if (pending.waiting.size === 0) pending.finish();
  };
  const onMessage = (worker: Worker, message: unknown) => {
    const response = message as CollectResponse | null;
    if (response?.type !== COLLECTED || typeof response.id !== 'number') return;
    settle(response.id, worker, Array.isArray(response.metrics) ? response.metrics : undefined);
  };
  return { gather, onMessage };
}
