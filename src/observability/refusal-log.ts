/**
 * One `info` line per refused request (no credentials, a missing scope, a rate limit, a full
 * queue, shutdown), fed by the `mcp-core:refusal` diagnostics channel. A refusal's fields are
 * fixed words and names (reason, method, what was missing, the caller's subject): never a
 * credential, a header or a client value. With the logger above `info`, nothing subscribes.
 *
 * A line looks like:
 * {"level":30,"time":1767225600000,"pid":7,"reason":"rate_limited","method":"tools/call","detail":"tool search rate limit","principal":"alice","msg":"refused"}
 */
import type { Logger } from 'pino';
import { refusalChannel, type RefusalReport } from '../protocol/refusal-report.ts';

/**
 * Logs each refusal at `info`. Returns the way to stop.
 *
 * @example
 * const stop = logRefusals(createLogger({ level: 'info' }));
 */
export function logRefusals(logger: Logger): () => void {
  if (!logger.isLevelEnabled('info')) return () => {};
  const write = (message: unknown) => {
    const { reason, method, detail, subject } = message as RefusalReport;
    const line: Record<string, unknown> = { reason };
    if (method !== undefined) line.method = method;
    if (detail !== undefined) line.detail = detail;
    if (subject !== undefined) line.principal = subject;
    logger.info(line, 'refused');
  };
  refusalChannel.subscribe(write);
  return () => refusalChannel.unsubscribe(write);
}
