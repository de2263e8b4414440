/**
 * Redis metrics, when the stores are on Redis:
 *
 * | name | type | labels |
 * | --- | --- | --- |
 * | `mcp_redis_connected` | gauge | |
 * | `mcp_redis_command_duration_seconds` | histogram | command |
 * | `mcp_redis_command_errors_total` | counter | command |
 *
 * Commands are timed from ioredis's own `ioredis:command` tracing channel (nothing wraps the
 * stores); `connected` is read at each scrape. Command names come from the code, never from
 * clients, so the label set stays small.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const started = Symbol('mcp-core.redis.started');

interface CommandContext {
  command?: unknown;
  [started]?: number;
}

/** Registers the metrics; returns what stops them. */
export function registerRedisMetrics(registry: Registry, connected: () => boolean): () => void {
  new Gauge({
    name: 'mcp_redis_connected',
    help: 'Whether the shared stores can reach Redis now (1) or not (0).',
    registers: [registry],
    collect() {
      this.set(connected() ? 1 : 0);
    },
  });
  const duration = new Histogram({
    name: 'mcp_redis_command_duration_seconds',
    help: 'Time from sending a Redis command to its reply (or failure), by command.',
    labelNames: ['command'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({ name: 'mcp_redis_command_errors_total', help: 'Redis commands sent that failed (connection lost, timed out, refused by Redis), by command; commands not sent while Redis is unreachable are not counted (mcp_redis_connected says when).', labelNames: ['command'], registers: [registry] });
  const label = (context: CommandContext) => (typeof context.command === 'string' ? context.command.toLowerCase() : 'other');
  const subscribers = {
    start: (message: unknown) => {
      (message as CommandContext)[started] = performance.now();
    },
    asyncEnd: (message: unknown) => {
      const context = message as CommandContext;
      const at = context[started];
      if (at !== undefined) duration.observe({ command: label(context) }, (performance.now() - at) / 1000);
    },
    error: (message: unknown) => errors.inc({ command: label(message as CommandContext) }),
    end: () => {},
    asyncStart: () => {},
  };
  const channel = diagnostics_channel.tracingChannel('ioredis:command');
  channel.subscribe(subscribers);
  return () => channel.unsubscribe(subscribers);
}
