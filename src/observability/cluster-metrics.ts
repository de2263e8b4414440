/**
 * Metrics of all cluster workers in one scrape (`serve --workers N`). A scrape reaches one
 * worker (they share the port); that worker asks the primary, which gathers every worker's
 * metrics with prom-client's AggregatorRegistry (counters and histograms summed, gauges
 * summed, process metrics combined per their own rule) and sends the text back.
 *
 * A gather costs every worker a serialization of its registry, so scrapes share them: a
 * worker has at most one request to the primary in flight (metricsRoute shares it among the
 * scrapes waiting), and the primary at most one gather, whose text answers every worker that
 * asked while it ran. However many scrapers, the work is one gather at a time.
 */
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { metricsRoute } from './metrics.ts';

const REQUEST = 'mcp-core:metrics-request';
const RESPONSE = 'mcp-core:metrics-response';
/** A scrape waits this long for the primary, which itself waits up to 5 s for the workers. */
const TIMEOUT_MS = 7000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In a worker: answers the primary's requests for this worker's `registry`, and returns the
 * route that serves the whole cluster's metrics.
 */
export function clusterMetricsRoute(registry: Registry): ReturnType<typeof metricsRoute> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener for the primary's requests.
  new AggregatorRegistry();
  const pending = new Map<number, (response: MetricsResponse) => void>();
  let next = 0;
  process.on('message', (message: unknown) => {
    const response = message as MetricsResponse | null;
    if (response?.type !== RESPONSE) return;
    pending.get(response.id)?.(response);
  });
  const read = () =>
    new Promise<string>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, TIMEOUT_MS);
      pending.set(id, (response) => {
        clearTimeout(timer);
        pending.delete(id);
        if (typeof response.text === 'string') resolve(response.text);
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
  return metricsRoute(read, registry.contentType);
}

const GATHERS_HELP = `# HELP mcp_metrics_gathers_total Gathers of every worker's metrics by the cluster primary (scrapes arriving during one share it).
# TYPE mcp_metrics_gathers_total counter
`;

/** In the primary: the handler for a worker's messages that answers its metrics requests. */
export function primaryMetricsHandler(): (worker: Worker, message: unknown) => void {
  const aggregator = new AggregatorRegistry();
  let gathers = 0;
  let gathering: Promise<string> | undefined;
  const gather = () => {
    gathers++;
    return aggregator.clusterMetrics().then((text) => `${text}${GATHERS_HELP}mcp_metrics_gathers_total ${gathers}\n`);
  };
  return (worker, message) => {
    const request = message as MetricsRequest | null;
    if (request?.type !== REQUEST || typeof request.id !== 'number') return;
    const reply = (response: MetricsResponse) => {
      try {
        if (worker.isConnected()) worker.send(response);
      } catch {
        // The worker went away while its metrics were gathered: nobody is waiting.
      }
    };
    gathering ??= gather().finally(() => {
      gathering = undefined;
    });
    gathering.then(
      (text) => reply({ type: RESPONSE, id: request.id, text }),
      (error: unknown) => reply({ type: RESPONSE, id: request.id, error: error instanceof Error ? error.message : 'aggregation failed' }),
    );
  };
}
