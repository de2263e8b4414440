/**
 * `mcp-core serve` in one process: builds the server from configuration and opens the
 * transports it asks for. Returns what to close on shutdown.
 *
 * Transports are imported when asked for: a stdio server never loads node:http, which keeps
 * the time from spawn to first response close to a bare Node script's.
 */
import type { Config } from '../config/config.ts';
import { registerDemo } from '../demo.ts';
import type { ManagerOptions } from '../manager/manager.ts';
import type { Health } from '../observability/health.ts';
import type { FileStamps } from '../security/file-stamps.ts';
import { ServerConnection } from '../server/connection.ts';
import type { Drainable } from '../transport/drain.ts';
import type { RouteListener } from '../transport/http/route-listener.ts';
import { McpServer } from '../server/server.ts';
import { StdioServerTransport } from '../transport/stdio.ts';
import type { RunningGateway } from './gateway.ts';
import { startRedisStores, type SharedState } from './redis-stores.ts';

/** Capabilities a gateway declares from the start: its upstreams' entries may arrive later. */
const GATEWAY_CAPABILITIES = { tools: {}, prompts: {}, resources: {}, completions: {} } as const;
import { startObservability } from './observability.ts';
import { notices } from './notices.ts';
import { startSecurity } from './security.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface Serving {
  server: McpServer;
  /** The HTTP endpoint's URL, when HTTP is served. */
  url: string | undefined;
  /** /healthz and /readyz, when HTTP is served. */
  health: Health | undefined;
  /** The metrics endpoint's URL, when it has a listener of its own (`metrics.port`). */
  metricsUrl: string | undefined;
  /** What takes part in a graceful shutdown: the HTTP listener (with its WebSocket connections), the stdio connection. */
  drainables: Drainable[];
  /** Closes everything; `graceMs` lets HTTP connections finish writing their answers. */
  close(graceMs?: number): Promise<void>;
  /** The gateway, when the configuration has `mcpServers`. */
  gateway: RunningGateway | undefined;
  /** API keys from the configuration loaded again (SIGHUP), with `auth.mode: apiKey` over HTTP. */
  reloadApiKeys: ((next: Config) => string) | undefined;
}

export interface ServeOptions {
  http: boolean;
  stdio: boolean;
  /** This process is a cluster worker (`--workers`). */
  worker?: boolean;
  /** Called when the stdio client closes stdin: the stdio shutdown signal. */
  onStdioClose?: () => void;
  /** The config files, read again when a gateway reloads. */
  files?: readonly string[];
  /** The config files' stamps from before they were read (see GatewayStart.since). */
  configStamps?: FileStamps;
  /** Runs a gateway (a manager, with hot reload) even when `mcpServers` is empty. */
  gateway?: boolean;
  /** What the gateway's manager is given besides its settings (the engine: its program's roots). */
  manager?: ManagerOptions;
  /** Runs once the server (and gateway) is built, before any transport opens: a place to register more. */
  prepare?: (server: McpServer, gateway: RunningGateway | undefined) => Promise<void>;
}

/** The server of a configuration; with `shared` (Redis), its tasks and notifications are shared too. */
export function createServer(config: Config, gateway = false, shared?: SharedState): McpServer {
  const server = new McpServer({
    name: config.server.name,
    version: config.server.version,
    instructions: config.server.instructions,
    requestStateSecret: shared?.requestStateSecret ?? config.server.requestStateSecret,
    sessionLimits: config.server.sessionLimits,
    capabilities: gateway ? GATEWAY_CAPABILITIES : undefined,
    bus: shared?.stores.bus,
    tasks: { ...config.server.tasks, store: shared?.stores.tasks },
  });
  if (config.demo) registerDemo(server);
  return server;
}

/** The `websocket` section as serveHttp takes it; undefined when it is off. */
function webSocketOptions(config: Config) {
  const { enabled, path, ...options } = config.websocket;
  if (!enabled) return undefined;
  return path === undefined ? options : { ...options, path };
}

export async function serve(config: Config, options: ServeOptions): Promise<Serving> {
  const gatewayMode = options.gateway === true || Object.keys(config.mcpServers).length > 0;
  const observability = await startObservability(config, { http: options.http, worker: options.worker === true });
  let shared: SharedState | undefined;
  try {
    shared = await startRedisStores(config);
  } catch (error) {
    await observability.close();
    throw error;
  }
  const server = createServer(config, gatewayMode, shared);
  observability.observe(server);
  // Before the gateway registers anything: interceptors are in place when the first call comes.
  const security = await startSecurity(config, server, {
    http: options.http,
    stdio: options.stdio,
    websocket: options.http && config.websocket.enabled,
    redis: shared?.stores.connection,
  });
  for (const { name, help, read } of security.gauges) observability.gauge(name, help, read);
  if (shared !== undefined) observability.observeRedis(shared.stores.connection);
  const closers: Array<(graceMs?: number) => Promise<void> | void> = [() => server.close()];
  const drainables: Drainable[] = [];
  // The upstreams are connected (or have failed their first attempt) before clients come.
  let gateway: RunningGateway | undefined;
  if (gatewayMode) {
    const { startGateway } = await import('./gateway.ts');
    gateway = await startGateway(config, server, { files: options.files ?? [], since: options.configStamps, manager: options.manager });
    const { manager } = gateway;
    observability.observeUpstreams(() => manager.health().upstreams);
  }
  try {
    await options.prepare?.(server, gateway);
  } catch (error) {
    await gateway?.close();
    await shared?.stores.close();
    await observability.close();
    throw error;
  }
  if (config.websocket.enabled && !options.http) notices().warn('websocket.enabled has no effect without HTTP: WebSocket is an upgrade on the HTTP listener');
  // On a listener of its own, the metrics endpoint is not on the HTTP listener.
  let metricsListener: RouteListener | undefined;
  if (config.metrics.enabled && config.metrics.port !== undefined) {
    const { serveRoutes } = await import('../transport/http/route-listener.ts');
    metricsListener = await serveRoutes(observability.routes, { host: config.metrics.host, port: config.metrics.port });
  }
  let url: string | undefined;
  let health: Health | undefined;
  let stdio: ServerConnection | undefined;
  if (options.http) {
    const [{ serveHttp }, { createOriginCheck }, { Health }, { MemoryEventStore }] = await Promise.all([
      import('../transport/http/node.ts'),
      import('../security/origin.ts'),
      import('../observability/health.ts'),
      import('../store/event-store.ts'),
    ]);
    const { host, port, path, allowedOrigins, allowedHosts, trustProxy, maxBodyBytes, sessions, resumeWindowMs, inflight, headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, readinessMaxAgeMs } = config.http;
    const tls = config.tls.certFile === undefined ? undefined : await (await import('./tls-setup.ts')).https(config.tls);
    let sessionCount = () => 0;
    let socketCount = () => 0;
    health = new Health({
      version: config.server.version,
      connectedClients: () => sessionCount() + socketCount() + (stdio?.connected ? 1 : 0),
      toolsAvailable: () => server.core.tools.size,
      readinessMaxAgeMs,
    });
    if (gateway !== undefined) health.addReadinessCheck('upstreams', gateway.readiness);
    const listener = await serveHttp(server, {
      host,
      port,
      path,
      maxBodyBytes,
      sessions: sessions.enabled
        ? { idleTimeoutMs: sessions.idleTimeoutMs, maxSessions: sessions.maxSessions, maxSessionsPerClient: sessions.maxSessionsPerClient, store: shared?.stores.sessions }
        : false,
      resumeWindowMs,
      eventStore: shared?.stores.events ?? new MemoryEventStore({ ttlMs: resumeWindowMs, maxEventsPerStream: config.store.events.maxEventsPerStream, maxChars: config.store.events.maxChars }),
      bus: shared?.stores.bus,
      inflight,
      trustProxy,
      originCheck: createOriginCheck({ allowedOrigins, allowedHosts, loopback: LOOPBACK.has(host) }),
      routes: metricsListener === undefined ? { ...health.routes(), ...observability.routes } : health.routes(),
      tls: tls?.options,
      headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs,
      websocket: webSocketOptions(config),
      edge: security.edge,
    });
    security.listening(listener.url, listener.handler.routes, path);
    if (tls !== undefined) closers.push(tls.reloadOnChange(listener.server));
    const store = listener.handler.transport.sessions;
    sessionCount = () => store?.size ?? 0;
    const sockets = listener.websocket;
    socketCount = () => sockets?.connections ?? 0;
    closers.push((graceMs) => listener.close(graceMs));
    drainables.push(listener);
    url = listener.url;
  }
  if (options.stdio) {
    const transport = new StdioServerTransport({ maxMessageBytes: config.stdio.maxMessageBytes });
    const connection = new ServerConnection(server, transport, {
      drainTimeoutMs: config.server.shutdownDeadlineMs,
      principal: config.stdio.principal,
      onClose: options.onStdioClose,
    }).start();
    // Closing flushes stdout: answers written just before exit are not lost.
    closers.push(() => connection.close());
    drainables.push(connection);
    stdio = connection;
  }
  // Closed last: the transports stop first, then the upstreams and their processes.
  if (gateway !== undefined) closers.push(() => gateway.close());
  closers.push(() => security.close());
  // After every transport: a process's lease goes last, once nothing it serves is left.
  if (shared !== undefined) closers.push(() => shared.stores.close());
  // After the transports: a scrape while they drain is answered.
  if (metricsListener !== undefined) closers.push(() => metricsListener.close());
  // After the upstreams: their last spans and lines are still exported.
  closers.push(() => observability.close());
  return {
    server,
    url,
    health,
    metricsUrl: metricsListener === undefined ? undefined : `${metricsListener.url}${config.metrics.path}`,
    drainables,
    gateway,
    reloadApiKeys: security.reloadApiKeys,
    close: async (graceMs) => {
      for (const close of closers) await close(graceMs);
    },
  };
}
