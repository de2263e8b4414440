/**
 * The server's own notices (a worker restarted, an unexpected error, a failed shutdown) go
 * through the structured logger. pino is loaded on the first notice, not at startup: a stdio
 * server that never has anything to report never pays for it.
 */
import type { Logger } from 'pino';
import { createLogger, flushLogs, logErrors, type LoggingOptions } from '../observability/logger.ts';

let options: LoggingOptions = {};
let logger: Logger | undefined;

/** Sets how notices are written; call before the first one. */
export function configureNotices(settings: LoggingOptions): void {
  options = settings;
}

/** The process's logger, created on first use. */
export function notices(): Logger {
  return (logger ??= createLogger(options));
}

/** Writes what the logger still holds, if it was ever made; call before exiting. */
export function flushNotices(): void {
  if (logger !== undefined) flushLogs(logger);
}

/**
 * Writes errors reported on `mcp-core:error` (unexpected handler failures, background work
 * that failed) through the logger, made when the first one comes.
 */
export function logErrorReports(): void {
  logErrors(notices);
}

/**
 * SIGHUP asks for a reload (a gateway reloads its configuration, API keys are loaded again).
 * Without either there is nothing to reload: said once, and the server goes on. Its default action ended the process
 * at once, calls in flight unanswered and nothing drained (a `systemctl reload` stopped it).
 */
export function nothingToReloadOnSighup(): void {
  process.on('SIGHUP', () => notices().warn('SIGHUP: nothing to reload (no mcpServers, no API keys; TLS files are checked every tls.reloadCheckMs): serving on; SIGTERM stops the server'));
}
