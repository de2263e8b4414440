/**
 * Every server the benchmarks start: which peer, which era it is driven in, and the command.
 * Workloads pick their rows from these lists; a target whose executable is missing is still
 * listed so it is reported as failed rather than dropped. Commands are pinned to the server's
 * core by the runners (lib/cores.ts), not here.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATOR_CORE, SERVER_CORES_AVAILABLE } from './lib/cores.ts';
import { CONTEXTFORGE_VENV, MCP_CORE_CLI, missing, NODE, peerScript, builtPeer, PROXY_VENV, PYTHON, PYTHON_CLIENTS_VENV, RMCP_ECHO } from './lib/paths.ts';
import type { Command } from './lib/process.ts';
import type { Era } from './lib/protocol.ts';

/** Every peer a row can be about, with its name in the reports. Add a peer here first. */
export const PEER_LABELS = {
  'mcp-core': 'mcp-core',
  'mcp-core-legacy': 'mcp-core (legacy era)',
  'mcp-core-workers': 'mcp-core, workers',
  'mcp-core-gateway-stdio': 'mcp-core gateway, stdio upstream',
  'mcp-core-gateway-http': 'mcp-core gateway, HTTP upstream',
  'mcp-core-gateway-stdio-apart': 'mcp-core gateway, stdio upstream on the generator core',
  'mcp-core-gateway-http-apart': 'mcp-core gateway, HTTP upstream on the generator core',
  'mcp-core-gateway-sdk-v1': 'mcp-core gateway, TS SDK v1 stdio upstream',
  'fastmcp-proxy': 'FastMCP proxy, stdio upstream',
  contextforge: 'ContextForge, HTTP upstream',
  'mcp-core-logs-metrics': 'mcp-core, JSON logs at info + metrics',
  'mcp-core-tracing': 'mcp-core, tracing',
  'mcp-core-logs-metrics-limits': 'mcp-core, JSON logs at info + metrics + rate limits',
  'mcp-core-jwt': 'mcp-core, JWT auth',
  'mcp-core-jwt-uncached': 'mcp-core, JWT auth, no cache of verified tokens',
  'mcp-core-redis': 'mcp-core, sessions on Redis',
  'mcp-core-2-instances': 'mcp-core, 2 instances',
  'mcp-core-3-instances': 'mcp-core, 3 instances',
  'sdk-v1': 'TS SDK v1',
  'sdk-v1-json': 'TS SDK v1, JSON replies',
  'sdk-v1-stateless': 'TS SDK v1 stateless',
  'sdk-v1-stateless-json': 'TS SDK v1 stateless, JSON replies',
  'sdk-v2': 'TS SDK v2',
  rmcp: 'rmcp (Rust)',
  python: 'Python SDK',
  'python-sdk-client': 'Python SDK client (mcp)',
  'fastmcp-client': 'fastmcp client',
  bare: 'bare Node',
  bytes: 'bytes only (no JSON)',
} as const;

export type PeerKey = keyof typeof PEER_LABELS;

export interface Target {
  key: PeerKey;
  era: Era;
  /** How the peer is served, for the results table. */
  mode: string;
  /** Set when the peer cannot run on this machine; it is then reported as failed. */
  unavailable?: string;
  /** Cores the server is pinned to (1 unless it is a multi-process server). */
  cores?: number;
}

export interface StdioTarget extends Target {
  command: Command;
}

export interface HttpTarget extends Target {
  command: (port: number) => Command;
  /**
   * Text in the command line of the one process whose own CPU per call the row reports (a
   * gateway, not the upstream it runs); the whole server's tree when undefined.
   */
  focus?: string;
  /** How long the server may take to listen (20 s unless set). */
  startTimeoutMs?: number;
}

const PYTHON_MISSING = missing(PYTHON, 'bench/.venv was not created: python3 with venv is needed');
const PYTHON_CLIENTS_MISSING = missing(PYTHON_CLIENTS_VENV, 'bench/.venv-clients was not created: python3 with venv is needed');
const RMCP_MISSING = missing(RMCP_ECHO, 'bench/peers/rmcp-echo was not built: cargo is needed');
const node = (script: string, ...args: string[]): Command => ({ command: NODE, args: [script, ...args] });
const mcpCore = (...args: string[]): Command => ({ command: NODE, args: [MCP_CORE_CLI, 'serve', ...args] });
/** rmcp's tokio runtime gets as many workers as the server has cores: one. */
const rmcp = (...args: string[]): Command => ({ command: RMCP_ECHO, args: ['--worker-threads', '1', ...args] });
const python = (...args: string[]): Command => ({ command: PYTHON, args: [peerScript('python-echo', 'server.py'), ...args] });

/** The echo server of each peer over stdio, in the era it is driven in. */
export const STDIO_ECHO = {
  'mcp-core': { key: 'mcp-core', era: 'modern', mode: 'CLI serve --stdio --demo, 2026-07-28', command: mcpCore('--stdio', '--demo') },
  'mcp-core-legacy': { key: 'mcp-core-legacy', era: 'legacy', mode: 'CLI serve --stdio --demo, 2025-11-25 handshake', command: mcpCore('--stdio', '--demo') },
  'sdk-v1': { key: 'sdk-v1', era: 'legacy', mode: 'StdioServerTransport, 2025-11-25 handshake (no 2026 support)', command: node(builtPeer('sdk-v1', 'stdio.ts')) },
  'sdk-v2': { key: 'sdk-v2', era: 'modern', mode: 'serveStdio, 2026-07-28', command: node(builtPeer('sdk-v2', 'stdio.ts')) },
  rmcp: { key: 'rmcp', era: 'modern', mode: 'stdio_pipes, 2026-07-28, release build, 1 tokio worker', command: rmcp('--stdio'), unavailable: RMCP_MISSING },
  python: { key: 'python', era: 'modern', mode: 'MCPServer (ex-FastMCP) stdio, 2026-07-28', command: python('--stdio'), unavailable: PYTHON_MISSING },
  bare: { key: 'bare', era: 'modern', mode: 'readline + JSON, no MCP', command: node(builtPeer('bare', 'stdio.ts')) },
  bytes: { key: 'bytes', era: 'modern', mode: 'echo built from the request bytes: no decoding, JSON or encoding', command: node(builtPeer('bare', 'bytes.ts')) },
} satisfies Partial<Record<PeerKey, StdioTarget>>;

/** Servers of N tools for tools/list over stdio. */
export function stdioTools(count: number): StdioTarget[] {
  const tools = String(count);
  const core = node(builtPeer('mcp-core', 'server.ts'), '--stdio', '--tools', tools);
  return [
    { key: 'mcp-core', era: 'modern', mode: 'McpServer + StdioServerTransport, 2026-07-28', command: core },
    { key: 'mcp-core-legacy', era: 'legacy', mode: 'same server, 2025-11-25 handshake', command: core },
    { key: 'sdk-v1', era: 'legacy', mode: 'McpServer + zod shapes, 2025-11-25 handshake', command: node(builtPeer('sdk-v1', 'stdio.ts'), '--tools', tools) },
    { key: 'sdk-v2', era: 'modern', mode: 'serveStdio + zod schemas, 2026-07-28', command: node(builtPeer('sdk-v2', 'stdio.ts'), '--tools', tools) },
    { key: 'python', era: 'modern', mode: 'MCPServer stdio, 2026-07-28', command: python('--stdio', '--tools', tools), unavailable: PYTHON_MISSING },
  ];
}

const WORKERS = SERVER_CORES_AVAILABLE;

/** Stateless modern echo over HTTP (SDK v1 only speaks the legacy era, statelessly). */
export const HTTP_MODERN: HttpTarget[] = [
  { key: 'mcp-core', era: 'modern', mode: 'CLI serve --http --demo, JSON reply', command: (port) => mcpCore('--http', `127.0.0.1:${port}`, '--demo') },
  // Scaling across processes needs cores besides the generator's: on 2 cores there are none.
  ...(WORKERS >= 2
    ? [
        {
          key: 'mcp-core-workers' as const,
          era: 'modern' as const,
          mode: `CLI serve --http --demo --workers ${WORKERS} (node:cluster) on ${WORKERS} cores`,
          cores: WORKERS,
          command: (port: number) => mcpCore('--http', `127.0.0.1:${port}`, '--demo', '--workers', String(WORKERS)),
        },
      ]
    : []),
  { key: 'sdk-v2', era: 'modern', mode: 'createMcpHandler + toNodeHandler, JSON reply', command: (port) => node(builtPeer('sdk-v2', 'http.ts'), '--port', String(port)) },
  {
    key: 'sdk-v1-stateless',
    era: 'legacy',
    mode: 'LEGACY era 2025-11-25: new server+transport per request, SSE reply (default)',
    command: (port) => node(builtPeer('sdk-v1', 'http-stateless.ts'), '--port', String(port)),
  },
  {
    key: 'sdk-v1-stateless-json',
    era: 'legacy',
    mode: 'LEGACY era 2025-11-25: new server+transport per request, enableJsonResponse',
    command: (port) => node(builtPeer('sdk-v1', 'http-stateless.ts'), '--port', String(port), '--json'),
  },
  {
    key: 'rmcp',
    era: 'modern',
    mode: 'StreamableHttpService on axum (TCP_NODELAY), json_response, release build, 1 tokio worker',
    command: (port) => rmcp('--http', `127.0.0.1:${port}`),
    unavailable: RMCP_MISSING,
  },
  {
    key: 'python',
    era: 'modern',
    mode: 'MCPServer on uvicorn (uvloop, httptools), stateless_http + json_response',
    command: (port) => python('--port', String(port)),
    unavailable: PYTHON_MISSING,
  },
  { key: 'bare', era: 'modern', mode: 'node:http + JSON, no MCP', command: (port) => node(builtPeer('bare', 'http.ts'), '--port', String(port)) },
];

/** Legacy-era echo inside one session over HTTP. */
export const HTTP_LEGACY: HttpTarget[] = [
  { key: 'mcp-core', era: 'legacy', mode: 'CLI serve --http --demo, JSON reply', command: (port) => mcpCore('--http', `127.0.0.1:${port}`, '--demo') },
  { key: 'sdk-v1', era: 'legacy', mode: 'transport per session on node:http, SSE reply (default)', command: (port) => node(builtPeer('sdk-v1', 'http-stateful.ts'), '--port', String(port)) },
  {
    key: 'sdk-v1-json',
    era: 'legacy',
    mode: 'transport per session on node:http, enableJsonResponse',
    command: (port) => node(builtPeer('sdk-v1', 'http-stateful.ts'), '--port', String(port), '--json'),
  },
  {
    key: 'rmcp',
    era: 'legacy',
    mode: 'legacy_session_mode on axum (TCP_NODELAY), SSE reply (json_response does not apply to sessions), 1 tokio worker',
    command: (port) => rmcp('--http', `127.0.0.1:${port}`, '--legacy-sessions'),
    unavailable: RMCP_MISSING,
  },
  {
    key: 'python',
    era: 'legacy',
    mode: 'MCPServer on uvicorn (uvloop, httptools), sessions, SSE reply',
    command: (port) => python('--port', String(port), '--sessions'),
    unavailable: PYTHON_MISSING,
  },
  { key: 'bare', era: 'legacy', mode: 'node:http + JSON + a session-id Set, no MCP', command: (port) => node(builtPeer('bare', 'http.ts'), '--port', String(port)) },
];

/** Servers of N tools for tools/list over HTTP (modern, stateless). */
export function httpTools(count: number): HttpTarget[] {
  const tools = String(count);
  return [
    { key: 'mcp-core', era: 'modern', mode: 'McpServer + serveHttp, JSON reply', command: (port) => node(builtPeer('mcp-core', 'server.ts'), '--port', String(port), '--tools', tools) },
    {
      key: 'sdk-v2',
      era: 'modern',
      mode: 'createMcpHandler: the factory registers every tool per request (schemas built once)',
      command: (port) => node(builtPeer('sdk-v2', 'http.ts'), '--port', String(port), '--tools', tools),
    },
    {
      key: 'python',
      era: 'modern',
      mode: 'MCPServer on uvicorn (uvloop, httptools), stateless_http + json_response',
      command: (port) => python('--port', String(port), '--tools', tools),
      unavailable: PYTHON_MISSING,
    },
  ];
}

const PROXY_MISSING = missing(PROXY_VENV, 'bench/.venv-proxy was not created: python3 with venv is needed');
/** mcp-core's gateway (the shipped binary) in front of one upstream, started by peers/mcp-core/gateway.ts. */
const gateway = (port: number, ...args: string[]): Command => node(builtPeer('mcp-core', 'gateway.ts'), '--port', String(port), '--cli', MCP_CORE_CLI, ...args);
/** The marker of the gateway process in a gateway row's tree: its own CPU is reported per call. */
const GATEWAY_PROCESS = '--config';
const CONTEXTFORGE_MISSING = missing(CONTEXTFORGE_VENV, 'bench/.venv-contextforge was not created: python3 with venv is needed');

/**
 * Where ContextForge's wrapper (peers/contextforge/gateway.py) writes the token to call the
 * gateway on `port` with, once it has registered its upstream.
 */
export const contextForgeTokenFile = (port: number): string => join(tmpdir(), `mcp-core-bench-contextforge-${port}.token`);

/**
 * Echo through a gateway and directly: mcp-core's demo server served directly, and behind
 * mcp-core's gateway, FastMCP's proxy and ContextForge as their upstream. A gateway row's server
 * core runs the gateway and its upstream together, unless the upstream is put on the generator's
 * core ("apart"), which then also runs wrk: on 2 cores neither is a direct row's setting (that
 * needs a third core).
 */
export const HTTP_GATEWAY: HttpTarget[] = [
  { key: 'mcp-core', era: 'modern', mode: 'CLI serve --http --demo, direct', command: (port) => mcpCore('--http', `127.0.0.1:${port}`, '--demo') },
  ...(['stdio', 'http'] as const).flatMap((upstream) => [
    {
      key: `mcp-core-gateway-${upstream}` as const,
      era: 'modern' as const,
      mode: `CLI serve --http --config (gateway), upstream serve ${upstream === 'stdio' ? '--stdio' : '--http'} --demo on the same core`,
      focus: GATEWAY_PROCESS,
      command: (port: number) => gateway(port, '--upstream', upstream),
    },
    {
      key: `mcp-core-gateway-${upstream}-apart` as const,
      era: 'modern' as const,
      mode: `the same, its upstream on the generator's core (with wrk)`,
      focus: GATEWAY_PROCESS,
      command: (port: number) => gateway(port, '--upstream', upstream, '--upstream-core', String(GENERATOR_CORE)),
    },
  ]),
  {
    key: 'sdk-v1-stateless-json',
    era: 'legacy',
    mode: 'SDK v1 served directly: new server+transport per request, enableJsonResponse (legacy era: no 2026 support)',
    command: (port) => node(builtPeer('sdk-v1', 'http-stateless.ts'), '--port', String(port), '--json'),
  },
  {
    key: 'mcp-core-gateway-sdk-v1',
    era: 'modern',
    mode: 'CLI serve --http --config (gateway), upstream the SDK v1 stdio server on the same core',
    focus: GATEWAY_PROCESS,
    command: (port) => gateway(port, '--upstream', 'stdio', '--upstream-script', builtPeer('sdk-v1', 'stdio.ts')),
  },
  {
    key: 'fastmcp-proxy',
    era: 'modern',
    mode: 'create_proxy over a connected Client (one upstream session), stateless_http + json_response on uvicorn (uvloop, httptools); upstream serve --stdio --demo on the same core',
    focus: 'proxy.py',
    unavailable: PROXY_MISSING,
    command: (port) => ({ command: PROXY_VENV, args: [peerScript('fastmcp-proxy', 'proxy.py'), '--port', String(port), '--', NODE, MCP_CORE_CLI, 'serve', '--stdio', '--demo'] }),
  },
  {
    key: 'contextforge',
    era: 'legacy',
    mode: 'mcpgateway (one uvicorn process, embedded SQLite, rate limiting off), /mcp/ stateless with a JWT; upstream serve --http --demo registered as a gateway, on the same core',
    focus: 'bin/mcpgateway',
    // Its first start runs its database migrations.
    startTimeoutMs: 120_000,
    unavailable: CONTEXTFORGE_MISSING,
    command: (port) => ({
      command: CONTEXTFORGE_VENV,
      args: [peerScript('contextforge', 'gateway.py'), '--port', String(port), '--token-file', contextForgeTokenFile(port), '--', NODE, MCP_CORE_CLI, 'serve', '--http', '127.0.0.1:0', '--demo'],
    }),
  },
];

/** A Python client driving the stdio echo server itself (peers/python-clients/client.py). */
export interface PythonClientTarget extends Target {
  command: (inflight: number) => Command;
}

const pythonClient = (client: string) => (inflight: number): Command => ({
  command: PYTHON_CLIENTS_VENV,
  args: [peerScript('python-clients', 'client.py'), '--client', client, '--inflight', String(inflight), '--', NODE, MCP_CORE_CLI, 'serve', '--stdio', '--demo'],
});

/** Python clients calling the same stdio echo server (mcp-core serve --stdio --demo). */
export const PYTHON_CLIENTS: PythonClientTarget[] = [
  { key: 'mcp-core', era: 'legacy', mode: 'mcp_core MCPManager.execute_tool, through the engine (the server as its upstream)', command: pythonClient('mcp_core'), unavailable: PYTHON_CLIENTS_MISSING },
  { key: 'python-sdk-client', era: 'modern', mode: 'mcp ClientSession over stdio_client', command: pythonClient('mcp'), unavailable: PYTHON_CLIENTS_MISSING },
  { key: 'fastmcp-client', era: 'modern', mode: 'fastmcp Client over StdioTransport', command: pythonClient('fastmcp'), unavailable: PYTHON_CLIENTS_MISSING },
];

/** The same Python echo function served over HTTP by mcp-core's engine and by the official Python SDK. */
export const HTTP_PYTHON_TOOL: HttpTarget[] = [
  {
    key: 'mcp-core',
    era: 'modern',
    mode: 'python -m mcp_core serve echo_tool.py --http (the engine serves the Python function), JSON reply',
    command: (port) => ({ command: PYTHON_CLIENTS_VENV, args: ['-m', 'mcp_core', 'serve', peerScript('python-clients', 'echo_tool.py'), '--http', `127.0.0.1:${port}`] }),
    unavailable: PYTHON_CLIENTS_MISSING,
  },
  {
    key: 'python',
    era: 'modern',
    mode: 'MCPServer on uvicorn (uvloop, httptools), stateless_http + json_response',
    command: (port) => python('--port', String(port)),
    unavailable: PYTHON_MISSING,
  },
];
