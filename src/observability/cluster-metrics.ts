/**
 * Metrics of all cluster workers in one scrape (`serve --workers N`). A scrape reaches one
 * worker (they share the port); that worker asks the primary, which gathers every worker's
 * metrics (cluster-gather.ts: merged by prom-client's AggregatorRegistry, counters and
 * histograms summed, gauges summed, process metrics combined per their own rule; a hung worker
 * shown by its last answer, an exited one's counters kept) and sends the text back.
 *
 * A gather costs every worker a serialization of its registry, so scrapes share and budget
 * them as in one process (exposition.ts), at both ends. A worker has at most one request to
 * the primary in flight, and past its budget answers with the primary's last text while that
 * is less than `maxAgeMs` old (by the time of the primary's gather, so the two ends' ages do
 * not add up); the primary runs at most one gather at a time, and past its budget answers
 * every worker with its last. However many scrapers, and however many workers they reach,
 * the cluster gathers at most once per `maxAgeMs` after a burst.
 */
import type { Worker } from 'node:cluster';
import type { Registry } from 'prom-client';
import { clusterGather, COLLECT, COLLECTED, type CollectRequest, type CollectResponse } from './cluster-gather.ts';
import { expositionRoute, sharedExposition, stamped, type Exposition } from './exposition.ts';

const REQUEST = 'mcp-core:metrics-request';
const RESPONSE = 'mcp-core:metrics-response';
/** How long the primary waits for the workers' answers before merging those it has. */
const GATHER_TIMEOUT_MS = 5000;
/** A scrape waits this long for the primary. */
const TIMEOUT_MS = GATHER_TIMEOUT_MS + 2000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  /** When the primary's gather began (Date.now()). */
  gatheredAt?: number;
  error?: string;
}

export interface ClusterMetricsOptions {
  /** The gathers' budget, one per this many ms after a burst (exposition.ts). Default 1000; the same in the primary and the workers. */
  maxAgeMs?: number;
}

/**
 * In a worker: answers the primary's requests for this worker's `registry`, and returns the
 * route that serves the whole cluster's metrics.
 *
 * @example
 * // in each worker (the primary runs primaryMetricsHandler)
 * routes['/metrics'] = clusterMetricsRoute(metrics.registry, { maxAgeMs: 1000 });
 */
export function clusterMetricsRoute(registry: Registry, options: ClusterMetricsOptions = {}): ReturnType<typeof expositionRoute> {
  const pending = new Map<number, (response: MetricsResponse) => void>();
  let next = 0;
  process.on('message', (message: unknown) => {
    const collect = message as CollectRequest | null;
    if (collect?.type === COLLECT) {
      const reply = (answer: Omit<CollectResponse, 'type' | 'id'>) => process.send?.({ type: COLLECTED, id: collect.id, ...answer } satisfies CollectResponse, undefined, undefined, () => {});
      registry.getMetricsAsJSON().then(
        (metrics) => reply({ metrics }),
        (error: unknown) => reply({ error: error instanceof Error ? error.message : 'no metrics' }),
      );
      return;
    }
    const response = message as MetricsResponse | null;
    if (response?.type !== RESPONSE) return;
    pending.get(response.id)?.(response);
  });
  const read = () =>
    new Promise<Exposition>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, TIMEOUT_MS);
      pending.set(id, (response) => {
        clearTimeout(timer);
        pending.delete(id);
        if (typeof response.text === 'string' && typeof response.gatheredAt === 'number') resolve({ body: Buffer.from(response.text), gatheredAt: response.gatheredAt });
        else reject(new Error(response.error ?? 'no metrics'));
      });
      try {
        process.send!({ type: REQUEST, id } satisfies MetricsRequest);
      } catch (error) {
        clearTimeout(timer);
        pending.delete(id);
        reject(error as Error);
      }
    });
  return expositionRoute(sharedExposition(read, options.maxAgeMs), registry.contentType);
}

/**
 * In the primary: the handler for a worker's messages that answers its metrics requests.
 *
 * @example
 * const onMessage = primaryMetricsHandler({ maxAgeMs: 1000 });
 * cluster.fork().on('message', function (message) { onMessage(this, message); });
 */
export function primaryMetricsHandler(options: ClusterMetricsOptions = {}): (worker: Worker, message: unknown) => void {
  const { gather, onMessage } = clusterGather(GATHER_TIMEOUT_MS);
  const exposition = sharedExposition(stamped(gather), options.maxAgeMs);
  const answer = ({ body, gatheredAt }: Exposition) => ({ text: body.toString('utf8'), gatheredAt });
  return (worker, message) => {
    onMessage(worker, message);
    const request = message as MetricsRequest | null;
    if (request?.type !== REQUEST || typeof request.id !== 'number') return;
    const reply = (response: MetricsResponse) => {
      try {
        if (worker.isConnected()) worker.send(response);
      } catch {
        // The worker went away while its metrics were gathered: nobody is waiting.
      }
    };
    const current = exposition.current();
    if (current !== undefined) return reply({ type: RESPONSE, id: request.id, ...answer(current) });
    exposition.next().then(
      (gathered) => reply({ type: RESPONSE, id: request.id, ...answer(gathered) }),
      (error: unknown) => reply({ type: RESPONSE, id: request.id, error: error instanceof Error ? error.message : 'aggregation failed' }),
    );
  };
}
