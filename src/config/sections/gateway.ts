/** `gateway`: how the upstreams of `mcpServers` are offered, and defaults for their options. */
import { UPSTREAM_OPTIONS } from './mcp-servers.ts';

const { era, timeoutMs, maxTotalTimeoutMs, connectTimeoutMs, retries, maxConcurrency, maxQueue, breaker, reconnect, stderr } = UPSTREAM_OPTIONS;

export const gateway = {
  type: 'object',
  description: 'How the upstreams of mcpServers are offered, and the options every upstream gets unless it sets its own.',
  additionalProperties: false,
  default: {},
  properties: {
    separator: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,8}$', default: '__', description: 'Between an upstream\'s name and its tool\'s, prompt\'s or resource\'s.' },
    toolSearch: { type: 'boolean', default: false, description: 'Offer search_tools and call_tool instead of every upstream tool.' },
    inputTimeoutMs: { type: 'integer', minimum: 1, default: 300000, description: 'How long an upstream call waits for a 2026-07-28 caller to come back with an answer.' },
    maxPendingInputs: { type: 'integer', minimum: 1, default: 1000, description: 'Upstream calls waiting for such answers at once.' },
    watch: { type: 'boolean', default: true, description: 'serve: reload when a config file changes (SIGHUP reloads too).' },
    defaults: {
      type: 'object',
      description: 'Options for every upstream that does not set them itself.',
      additionalProperties: false,
      default: {},
      properties: {
        era: { ...era, default: 'auto' },
        timeoutMs: { ...timeoutMs, default: 60000 },
        maxTotalTimeoutMs: { ...maxTotalTimeoutMs, default: 3600000 },
        connectTimeoutMs: { ...connectTimeoutMs, default: 15000 },
        retries: { ...retries, default: 2 },
        maxConcurrency: { ...maxConcurrency, default: 32 },
        maxQueue: { ...maxQueue, default: 256 },
        breaker: {
          ...breaker,
          default: {},
          properties: {
            consecutiveFailures: { ...breaker.properties.consecutiveFailures, default: 5 },
            failureRate: breaker.properties.failureRate,
            window: { ...breaker.properties.window, default: 20 },
            halfOpenAfterMs: { ...breaker.properties.halfOpenAfterMs, default: 10000 },
          },
        },
        reconnect: {
          ...reconnect,
          default: {},
          properties: {
            initialDelayMs: { ...reconnect.properties.initialDelayMs, default: 500 },
            maxDelayMs: { ...reconnect.properties.maxDelayMs, default: 30000 },
          },
        },
        stderr: {
          ...stderr,
          default: {},
          properties: {
            bytesPerSecond: { ...stderr.properties.bytesPerSecond, default: 65536 },
            burstBytes: { ...stderr.properties.burstBytes, default: 1048576 },
          },
        },
      },
    },
  },
} as const;
