/**
 * `mcp-core engine`: the engine a program in another language (the Python package `mcp_core`)
 * starts and drives over the child's stdin and stdout (see engine-pipe.ts for the two
 * channels on that pipe).
 *
 * 1. The program writes one start message, a JSON line:
 *    `{"config": {...} | null, "files": ["gateway.yaml"], "tools": true, "http": "127.0.0.1:3000" | null, "roots": true}`
 *    (settings as an object, or config files loaded as `serve --config` loads them; whether it
 *    serves tools of its own on the tools channel; whether the engine also serves HTTP; whether
 *    it has roots for the upstreams, see engine-roots.ts).
 * 2. The engine builds a gateway from the settings (a manager of the `mcpServers` upstreams,
 *    possibly none), connects to the program's tools over the tools channel (legacy handshake,
 *    then `tools/list`) and registers them, opens HTTP if asked, and answers with one line:
 *    `{"engine": {"version", "node", "pid", "url", "maxMessageBytes"}}`, or `{"error": {"kind", "message"}}` and
 *    exits 2 for settings that do not load.
 * 3. From then on the manager channel is a plain MCP connection (the program is the client) to
 *    the aggregate: every upstream tool and the program's own tools, with progress,
 *    cancellation and the upstreams' questions passed to the program. Two more methods are the
 *    engine's own, on this channel only: `mcp-core/health` and `mcp-core/reload`; and the
 *    program's `notifications/roots/list_changed` is passed on to the upstreams.
 *
 * The engine lives for the program: when the pipe closes it stops every upstream and exits.
 * SIGTERM shuts it down gracefully as `serve` does (HTTP calls in flight finish).
 */
import { checkConfig, ConfigError, loadConfig, type Config } from '../config/config.ts';
import { configValidator } from '../config/validator.ts';
import { McpClient } from '../client/client.ts';
import { errorResponse, type JsonRpcRequest, type Params } from '../protocol/jsonrpc.ts';
import { isObject } from '../protocol/guards.ts';
import { Notification } from '../protocol/methods.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import { ServerConnection } from '../server/connection.ts';
import type { McpServer } from '../server/server.ts';
import { resolveManagerConfig } from '../manager/config.ts';
import { PeerTools } from '../manager/peer-tools.ts';
import { terminalLine } from '../protocol/terminal-text.ts';
import { stampFiles, type FileStamps } from '../security/file-stamps.ts';
import { parseHostPort } from './args.ts';
import { UsageError } from './usage-error.ts';
import { PipeChannels } from './engine-pipe.ts';
import { ProgramRoots } from './engine-roots.ts';
import type { RunningGateway } from './gateway.ts';
import { serve, type Serving } from './serve.ts';
import { shutdownGracefully } from './shutdown.ts';

/** The start message, checked. */
interface EngineStart {
  config: Record<string, unknown> | undefined;
  files: string[];
  tools: boolean;
  http: { host: string; port: number } | undefined;
  /** The program answers `roots/list`: upstreams are offered its roots. */
  roots: boolean;
}

/** Engine methods answered on the manager channel, never by the server. */
const ENGINE_METHOD_PREFIX = 'mcp-core/';

/** One line on stderr; messages may hold what an upstream or the program sent, escaped (terminal-text.ts). */
function log(message: string): void {
  process.stderr.write(`mcp-core engine: ${terminalLine(message)}\n`);
}

function parseStart(line: string): EngineStart {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new UsageError('the start message is not JSON');
  }
  if (!isObject(value)) throw new UsageError('the start message must be a JSON object');
  const { config, files, tools, http, roots } = value;
  if (config !== undefined && config !== null && !isObject(config)) throw new UsageError('"config" must be an object or null');
  if (files !== undefined && !(Array.isArray(files) && files.every((file) => typeof file === 'string'))) throw new UsageError('"files" must be a list of paths');
  if (isObject(config) && Array.isArray(files) && files.length > 0) throw new UsageError('give "config" or "files", not both');
  if (tools !== undefined && typeof tools !== 'boolean') throw new UsageError('"tools" must be true or false');
  if (http !== undefined && http !== null && typeof http !== 'string') throw new UsageError('"http" must be "HOST:PORT" or null');
  if (roots !== undefined && typeof roots !== 'boolean') throw new UsageError('"roots" must be true or false');
  return {
    config: isObject(config) ? config : undefined,
    files: (files as string[] | undefined) ?? [],
    tools: tools === true,
    http: typeof http === 'string' ? parseHostPort(http) : undefined,
    roots: roots === true,
  };
}

async function settingsOf(start: EngineStart): Promise<Config> {
  if (start.config !== undefined) return checkConfig(start.config, configValidator());
  return loadConfig(start.files);
}

/** Connects to the program's tools on the tools channel and registers them on `server`. */
async function connectPeerTools(server: McpServer, pipe: PipeChannels, version: string, gateway: RunningGateway | undefined): Promise<PeerTools> {
  let peer: PeerTools | undefined;
  const client = new McpClient({
    name: 'mcp-core-engine',
    version,
    era: 'legacy',
    requestTimeoutMs: 0,
    // Questions of the program's tools are passed to the caller of each call.
    capabilities: { elicitation: {}, sampling: {} },
    onNotification: (notification) => peer?.notification(notification),
  });
  await client.connect(pipe.tools);
  const spec = gateway?.manager.spec.gateway;
  peer = new PeerTools(server, client, {
    inputTimeoutMs: spec?.inputTimeoutMs,
    maxPendingInputs: spec?.maxPendingInputs,
    onProblem: (tool, error) => log(`tool ${tool} is not offered: ${error.message}`),
  });
  await peer.refresh();
  return peer;
}

/** The engine's own methods: health and reload. */
class EngineMethods {
  readonly #serving: () => Serving | undefined;
  readonly #peer: () => PeerTools | undefined;
  readonly #start: EngineStart;
  readonly #version: string;

  constructor(start: EngineStart, version: string, serving: () => Serving | undefined, peer: () => PeerTools | undefined) {
    this.#start = start;
    this.#version = version;
    this.#serving = serving;
    this.#peer = peer;
  }

  async answer(request: JsonRpcRequest): Promise<Record<string, unknown>> {
    const gateway = this.#serving()?.gateway;
    if (request.method === 'mcp-core/health') {
      const peer = this.#peer();
      const health = gateway?.gateway.health() ?? { ready: true, upstreams: [], collisions: [], pendingInputs: 0 };
      return {
        engine: { version: this.#version, node: process.version, pid: process.pid, uptimeSeconds: Math.round(process.uptime()) },
        ...health,
        tools: this.#serving()?.server.core.tools.size ?? 0,
        localTools: peer?.size ?? 0,
        pendingInputs: health.pendingInputs + (peer?.pendingInputs ?? 0),
      };
    }
    if (request.method === 'mcp-core/reload') {
      if (gateway === undefined) throw new McpError(ErrorCode.InternalError, 'The engine is not running yet');
      const config = (request.params as Params | undefined)?.config;
      if (config !== undefined && config !== null && !isObject(config)) throw new McpError(ErrorCode.InvalidParams, '"config" must be an object');
      try {
        if (isObject(config)) return { ...(await gateway.manager.reload(resolveManagerConfig(checkConfig(config, configValidator())))) };
        if (this.#start.files.length === 0) throw new McpError(ErrorCode.InvalidParams, 'The engine was started with settings, not files: give "config" to reload');
        return { ...(await gateway.manager.reload(resolveManagerConfig(await loadConfig(this.#start.files)))) };
      } catch (error) {
        if (error instanceof ConfigError) throw new McpError(ErrorCode.InvalidParams, error.message, { kind: 'config' });
        throw error;
      }
    }
    throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
  }
}

/**
 * @example
 * // What a driver does (Python's mcp_core does exactly this):
 * // spawn `node mcp-core.js engine`; write {"config": {"mcpServers": {...}}, "tools": false}\n;
 * // read {"engine": {...}}; then speak MCP on the same pipe.
 */
export async function engineCommand(version: string): Promise<void> {
  const pipe = new PipeChannels(process.stdin, process.stdout);
  // Answers held for this turn's write still go out when the engine exits.
  process.once('exit', () => pipe.flush());
  let serving: Serving | undefined;
  let peer: PeerTools | undefined;
  let stopping = false;
  const hurry = new AbortController();
  const exit = (code: number) => {
    const closing = serving?.close() ?? Promise.resolve();
    closing.then(() => process.exit(code), (error: unknown) => {
      log(`closing failed: ${(error as Error)?.message ?? String(error)}`);
      process.exit(1);
    });
  };

  let start: EngineStart;
  let config: Config;
  let configStamps: FileStamps;
  try {
    start = parseStart(await pipe.firstLine());
    // Before the files are read: the gateway reloads what changed between this and its watch.
    configStamps = stampFiles(start.files);
    config = await settingsOf(start);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ConfigError)) throw error;
    pipe.writeLine(JSON.stringify({ error: { kind: error instanceof ConfigError ? 'config' : 'usage', message: error.message } }), () => process.exit(2));
    return;
  }
  if (start.http !== undefined) Object.assign(config.http, start.http);

  const methods = new EngineMethods(start, version, () => serving, () => peer);
  const roots = start.roots ? new ProgramRoots() : undefined;
  pipe.manager.intercept = (value) => {
    const request = value as Partial<JsonRpcRequest>;
    if (request.id === undefined) {
      // Notifications go on to the server (which takes no action on these two) after a look.
      if (request.method === Notification.Initialized) roots?.initialized();
      else if (request.method === Notification.RootsListChanged && roots !== undefined) serving?.gateway?.manager.rootsChanged();
      return false;
    }
    if (typeof request.method !== 'string' || !request.method.startsWith(ENGINE_METHOD_PREFIX)) return false;
    const id = request.id;
    methods.answer(request as JsonRpcRequest).then(
      (result) => pipe.manager.send({ jsonrpc: '2.0', id, result }),
      (error: unknown) => pipe.manager.send(errorResponse(id, error instanceof McpError ? error.toWire() : { code: ErrorCode.InternalError, message: (error as Error)?.message ?? 'Internal error' })),
    );
    return true;
  };

  try {
    serving = await serve(config, {
      http: start.http !== undefined,
      stdio: false,
      files: start.files,
      configStamps,
      gateway: true,
      manager: roots === undefined ? undefined : { onListRoots: roots.list },
      prepare: async (server, gateway) => {
        if (start.tools) peer = await connectPeerTools(server, pipe, version, gateway);
      },
    });
  } catch (error) {
    pipe.writeLine(JSON.stringify({ error: { kind: 'start', message: (error as Error)?.message ?? String(error) } }), () => process.exit(1));
    return;
  }
  const connection = new ServerConnection(serving.server, pipe.manager, {
    drainTimeoutMs: config.server.shutdownDeadlineMs,
    // The program closing the pipe (or dying) ends the engine.
    onClose: () => {
      if (!stopping) exit(0);
    },
  });
  serving.drainables.push(connection);
  roots?.attach(connection, serving.server.core.clientRequestTimeoutMs);
  pipe.writeLine(JSON.stringify({ engine: { version, node: process.version, pid: process.pid, url: serving.url ?? null, maxMessageBytes: pipe.maxMessageBytes } }));
  connection.start();

  process.on('SIGTERM', () => {
    if (stopping) return hurry.abort('SIGTERM');
    stopping = true;
    shutdownGracefully(serving!, { reason: 'SIGTERM', deadlineMs: config.server.shutdownDeadlineMs, hurry: hurry.signal, log }).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${(error as Error)?.stack ?? String(error)}`);
        process.exit(1);
      },
    );
  });
  const gateway = serving.gateway;
  if (gateway !== undefined) process.on('SIGHUP', () => void gateway.reload());
}
