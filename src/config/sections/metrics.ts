/** `metrics`: Prometheus metrics on the HTTP listener. */
export const metrics = {
  type: 'object',
  description: 'Prometheus metrics (prom-client), served on the HTTP listener outside the MCP path and outside auth. With workers, one scrape shows all of them.',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Count requests and serve GET on metrics.path.' },
    path: { type: 'string', pattern: '^/', default: '/metrics', description: 'Path of the metrics endpoint.' },
    port: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      description:
        'Serve the metrics endpoint on a listener of its own, on metrics.host and this port, rather than on the HTTP listener (which then has no metrics path): keeps it off the network clients reach, and serves it for a server without HTTP (--stdio) too. 0 picks a free one (not with workers). Unset: on the HTTP listener.',
    },
    host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address the listener of metrics.port listens on; loopback by default (0.0.0.0 for a Prometheus elsewhere).' },
    maxAgeMs: {
      type: 'integer',
      minimum: 0,
      maximum: 10000,
      default: 1000,
      description:
        'The endpoint is outside auth: after a burst of 10 gathers, at most one per this long, however many scrapes come; a scrape past that budget is answered with the last gather, less than this old (mcp_metrics_gather_timestamp_seconds says when it was read). A Prometheus scraping every few seconds always gets a gather of its own. 0: no budget (scrapes only share a gather under way).',
    },
    processMetrics: { type: 'boolean', default: true, description: 'Also export Node process metrics (CPU, memory, event loop lag, GC).' },
    durationBuckets: {
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0 },
      minItems: 1,
      default: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      description: 'Upper bounds in seconds of the mcp_request_duration_seconds histogram buckets.',
    },
  },
} as const;
