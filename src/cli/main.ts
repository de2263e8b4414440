/**
 * The `mcp-core` binary: the composition root, where configuration, the server, transports
 * and operational endpoints are wired together. Only the binary's entry (bin.ts) imports this file.
 */
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { oneAtATime } from '../protocol/one-at-a-time.ts';
import { terminalLine, terminalText } from '../protocol/terminal-text.ts';
import { McpLocalError } from '../protocol/local-errors.ts';
import { McpError } from '../protocol/wire-errors.ts';
import { stampFiles } from '../security/file-stamps.ts';
import { proxyGlobalFetch } from '../transport/http/proxy-env.ts';
import { parseCommandLine, USAGE, type ServeArgs } from './args.ts';
import { checkHttpPaths } from './http-paths-check.ts';
import { UsageError } from './usage-error.ts';
import { configureNotices, flushNotices, nothingToReloadOnSighup, notices } from './notices.ts';
import { serve } from './serve.ts';
import { shutdownGracefully } from './shutdown.ts';
import type { WorkerMessage } from './workers.ts';
import type { Cluster } from 'node:cluster';


function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(process.getBuiltinModule('node:fs').readFileSync(url, 'utf8')) as { version: string }).version;
}

/** `http(s)://host:port/path` as the WebSocket URL on the same listener. */
function webSocketUrl(httpUrl: string, path: string | undefined): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (path !== undefined) url.pathname = path;
  return url.href;
}

const LEGACY_SESSIONS_SPLIT =
  'legacy (2025-11-25) sessions live in the worker that created them, and connections go to the workers in turn: a legacy client reaching another worker gets 404 Session not found. Set store.redis.url to share them, or http.sessions.enabled: false to serve legacy clients without sessions';

async function serveCommand(args: ServeArgs): Promise<void> {
  // Before the files are read: a gateway reloads what changed between this and its watch.
  const configStamps = stampFiles(args.config);
  const config = await loadConfig(args.config);
  if (args.http) Object.assign(config.http, args.http);
  if (args.demo) config.demo = true;
  if (args.workers !== undefined) config.workers = args.workers;
  const stdio = args.stdio || config.stdio.enabled;
  const http = args.http !== undefined || !stdio;
  if (config.workers > 1 && stdio) throw new UsageError('--workers applies to HTTP only; stdio has one client and one process');
  if (config.workers > 1 && Object.keys(config.mcpServers).length > 0) {
    throw new UsageError('a gateway (mcpServers) runs in one process: its upstream connections, and calls waiting for answers, live there');
  }
  if (config.workers > 1 && config.metrics.enabled && config.metrics.port === 0) {
    throw new UsageError('metrics.port 0 with workers: each worker would pick a port of its own; give the metrics listener a port');
  }
  // Before any worker is forked: a bad path would make each of them fail in turn.
  if (http || config.metrics.port !== undefined) checkHttpPaths(config);
  const announce = (url: string | undefined, metricsUrl: string | undefined, workers = '') => {
    // stdout belongs to the protocol when stdio is served too. Read here, not before: making
    // process.stderr's stream costs a stdio server's start time, and it has no URL to announce.
    const out = stdio ? process.stderr : process.stdout;
    if (url !== undefined) out.write(`mcp-core serving Streamable HTTP at ${url}${workers}\n`);
    // The WebSocket endpoint is an upgrade on the same listener.
    if (url !== undefined && config.websocket.enabled) out.write(`mcp-core serving WebSocket at ${webSocketUrl(url, config.websocket.path)}${workers}\n`);
    if (metricsUrl !== undefined) out.write(`mcp-core serving metrics at ${metricsUrl}${workers}\n`);
  };

  // node:cluster is loaded only when workers are asked for (workers get the same arguments).
  const isWorker = config.workers > 1 && (process.getBuiltinModule('node:cluster') as unknown as Cluster).isWorker;
  if (config.workers > 1 && !isWorker) {
    const { runPrimary } = await import('./workers.ts');
    const { host, port } = config.http;
    const { requestStateSecret, shutdownDeadlineMs, shutdownDelayMs } = config.server;
    configureNotices({ level: config.logging.level, format: config.logging.format });
    // node:cluster hands each connection to the next worker, and a legacy client opens several
    // (the official SDKs' first request after initialize already reaches another worker).
    if (config.http.sessions.enabled && config.store.redis.url === undefined) notices().warn(LEGACY_SESSIONS_SPLIT);
    const heartbeatTimeoutMs = config.workerHeartbeatTimeoutMs;
    await runPrimary({ workers: config.workers, requestStateSecret, shutdownDeadlineMs, shutdownDelayMs, heartbeatTimeoutMs, reloadsApiKeys: config.auth.mode === 'apiKey', host, port, metrics: config.metrics.enabled ? { maxAgeMs: config.metrics.maxAgeMs } : undefined }, (url) => announce(url, ownMetricsUrl(config), ` (${config.workers} workers)`));
    return;
  }
  if (isWorker) {
    // Workers listen on the port the primary chose (it resolves port 0 once for all).
    const { WORKER_PORT_VARIABLE } = await import('./workers.ts');
    // Answered from the start: the primary asks only once the worker serves.
    (await import('./worker-heartbeat.ts')).answerHeartbeats();
    // A SIGHUP (a terminal's, or a reload the primary passes on) must not end a worker that
    // does not serve yet: its default action would.
    process.on('SIGHUP', () => undefined);
    const port = process.env[WORKER_PORT_VARIABLE];
    if (port !== undefined) config.http.port = Number(port);
  }

  // The first signal drains (see shutdown.ts); a second one stops waiting for calls in flight.
  let stopping = false;
  const hurry = new AbortController();
  const stop = (reason: string) => {
    if (stopping) return hurry.abort(reason);
    stopping = true;
    // Shutdown is worth an operator's attention: written at the default level (warn).
    const log = (line: string) => notices().warn(line);
    const exit = (code: number) => {
      flushNotices();
      process.exit(code);
    };
    // Only load balancers need the delay: a stdio client that closed stdin is gone already.
    const delayMs = http && reason !== STDIN_CLOSED ? config.server.shutdownDelayMs : 0;
    shutdownGracefully(serving, { reason, deadlineMs: config.server.shutdownDeadlineMs, delayMs, hurry: hurry.signal, log }).then(
      () => exit(0),
      (error: unknown) => {
        notices().error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  const serving = await serve(config, { http, stdio, worker: isWorker, onStdioClose: () => stop(STDIN_CLOSED), files: args.config, configStamps });
  // Handled before the URL is told: a signal sent as soon as it is (a test, an orchestrator
  // scaling down at once) found no handler and ended the process at once, ungracefully.
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A worker hears SIGINT from the terminal along with the primary's SIGTERM: one signal, not two.
  process.on('SIGINT', () => isWorker || stop('SIGINT'));
  const { gateway, reloadApiKeys } = serving;
  if (gateway !== undefined || reloadApiKeys !== undefined) {
    const keysAgain = reloadApiKeys === undefined ? undefined : oneAtATime(() => apiKeysAgain(args.config, reloadApiKeys));
    process.on('SIGHUP', () => {
      if (gateway !== undefined) void gateway.reload();
      keysAgain?.();
    });
  }
  // A worker ignores it (above); the primary says there is nothing to reload, once for all.
  else if (!isWorker) nothingToReloadOnSighup();
  if (isWorker) {
    if (serving.url !== undefined) process.send!({ type: 'listening', url: serving.url } satisfies WorkerMessage);
  } else if (serving.url !== undefined || serving.metricsUrl !== undefined) announce(serving.url, serving.metricsUrl);
}

const STDIN_CLOSED = 'stdin closed';

/**
 * SIGHUP with `auth.mode: apiKey`: the config files and the environment loaded again, their API
 * keys put in service (a key added works, a key removed is refused from the next request). A
 * configuration that does not load, or a key that is not valid, leaves the running keys.
 */
async function apiKeysAgain(files: readonly string[], reload: (next: Config) => string): Promise<void> {
  try {
    notices().warn({ component: 'auth' }, reload(await loadConfig(files)));
  } catch (error) {
    notices().warn({ component: 'auth' }, `API keys not reloaded, the ones in service stay: ${error instanceof Error ? error.message : 'unknown error'}`);
  }
}

/** The metrics listener's URL as configured (workers share its port, which is never 0), when it has one. */
function ownMetricsUrl(config: Config): string | undefined {
  const { enabled, host, port, path } = config.metrics;
  return enabled && port !== undefined ? `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}` : undefined;
}

/**
 * A reader that stops early (`mcp-core tools --config F | head -3`) closes stdout under a
 * command that prints: what is left goes nowhere, and the command ends as it would have (a
 * gateway command still closes its upstreams), without a stack trace. Not for `serve` and
 * `engine`, whose stdout can be the protocol: their transports see the closed pipe.
 */
function printingToClosedStdoutIsQuiet(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

/** The command prints and ends (neither `serve` nor `engine`). */
let oneShot = false;

async function main(argv: readonly string[]): Promise<void> {
  const args = parseCommandLine(argv);
  oneShot = args.command !== 'serve' && args.command !== 'engine';
  if (oneShot) printingToClosedStdoutIsQuiet();
  if (args.command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (args.command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  // Every command below may reach out over HTTP: through the environment's proxy, if it names one.
  await proxyGlobalFetch();
  if (args.command === 'login') {
    const { loginCommand } = await import('./login.ts');
    await loginCommand(args, packageVersion());
    return;
  }
  if (args.command === 'config-check') {
    const { checkConfigCommand } = await import('./config-check.ts');
    await checkConfigCommand(args.files);
    return;
  }
  if (args.command === 'engine') {
    const { engineCommand } = await import('./engine.ts');
    await engineCommand(packageVersion());
    return;
  }
  if (args.command === 'tools' || args.command === 'call') {
    const { toolCommand } = await import('./tool-commands.ts');
    process.exitCode = await toolCommand(args);
    return;
  }
  await serveCommand(args);
}

/**
 * Errors a one-shot command (login, tools, call, config check) ends with as a matter of course:
 * a server out of reach, refusing the sign-in or answering wrongly. Said in one line, without a
 * stack: their messages say what happened, and hold what the server sent, escaped.
 */
function isExpectedFailure(error: unknown): error is Error {
  return oneShot && (error instanceof McpLocalError || error instanceof McpError);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`mcp-core: ${terminalText(error.message)}\n${error instanceof UsageError ? `\n${USAGE}` : ''}`);
    process.exit(2);
  }
  if (isExpectedFailure(error)) {
    process.stderr.write(`mcp-core: ${terminalLine(error.message)}\n`);
    process.exit(1);
  }
  notices().fatal({ err: error }, 'mcp-core stopped');
  flushNotices();
  process.exit(1);
});
