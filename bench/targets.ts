/**
 * Every server the benchmarks start: which peer, which era it is driven in, and the command.
 * Workloads pick from these lists; a target whose executable is missing is still listed so it
 * is reported as failed rather than dropped.
 */
import { MCP_CORE_CLI, missing, NODE, peerScript, builtPeer, PYTHON, RMCP_ECHO } from './lib/paths.ts';
import type { Command } from './lib/process.ts';
import type { Era } from './lib/protocol.ts';

export type PeerKey = 'mcp-core' | 'mcp-core-legacy' | 'mcp-core-workers' | 'sdk-v1' | 'sdk-v1-stateless' | 'sdk-v2' | 'rmcp' | 'python' | 'bare' | 'bytes';

export const PEER_LABELS: Record<PeerKey, string> = {
  'mcp-core': 'mcp-core',
  'mcp-core-legacy': 'mcp-core (legacy era)',
  'mcp-core-workers': 'mcp-core, 2 workers',
  'sdk-v1': 'TS SDK v1',
  'sdk-v1-stateless': 'TS SDK v1 stateless',
  'sdk-v2': 'TS SDK v2',
  rmcp: 'rmcp (Rust)',
  python: 'Python SDK',
  bare: 'bare Node',
  bytes: 'bytes only (no JSON)',
};

export interface Target {
  key: PeerKey;
  era: Era;
  /** How the peer is served, for the results table. */
  mode: string;
  /** Set when the peer cannot run on this machine; it is then reported as failed. */
  unavailable?: string;
}

export interface StdioTarget extends Target {
  command: Command;
}

export interface HttpTarget extends Target {
  command: (port: number) => Command;
}

const PYTHON_MISSING = missing(PYTHON, 'bench/.venv was not created: python3 with venv is needed');
const RMCP_MISSING = missing(RMCP_ECHO, 'bench/peers/rmcp-echo was not built: cargo is needed');
const node = (script: string, ...args: string[]): Command => ({ command: NODE, args: [script, ...args] });
const mcpCore = (...args: string[]): Command => ({ command: NODE, args: [MCP_CORE_CLI, 'serve', ...args] });

/** The echo server of each peer over stdio, in the era it is driven in. */
export const STDIO_ECHO: Record<PeerKey, StdioTarget | undefined> = {
  'mcp-core': { key: 'mcp-core', era: 'modern', mode: 'CLI serve --stdio --demo, 2026-07-28', command: mcpCore('--stdio', '--demo') },
  'mcp-core-legacy': { key: 'mcp-core-legacy', era: 'legacy', mode: 'CLI serve --stdio --demo, 2025-11-25 handshake', command: mcpCore('--stdio', '--demo') },
  'sdk-v1': { key: 'sdk-v1', era: 'legacy', mode: 'StdioServerTransport, 2025-11-25 handshake (no 2026 support)', command: node(builtPeer('sdk-v1', 'stdio.ts')) },
  'sdk-v1-stateless': undefined,
  'mcp-core-workers': undefined,
  'sdk-v2': { key: 'sdk-v2', era: 'modern', mode: 'serveStdio, 2026-07-28', command: node(builtPeer('sdk-v2', 'stdio.ts')) },
  rmcp: { key: 'rmcp', era: 'modern', mode: 'stdio_pipes, 2026-07-28, release build', command: { command: RMCP_ECHO, args: ['--stdio'] }, unavailable: RMCP_MISSING },
  python: { key: 'python', era: 'modern', mode: 'MCPServer (ex-FastMCP) stdio, 2026-07-28', command: { command: PYTHON, args: [peerScript('python-echo', 'server.py'), '--stdio'] }, unavailable: PYTHON_MISSING },
  bare: { key: 'bare', era: 'modern', mode: 'readline + JSON, no MCP', command: node(builtPeer('bare', 'stdio.ts')) },
  bytes: { key: 'bytes', era: 'modern', mode: 'echo built from the request bytes: no decoding, JSON or encoding', command: node(builtPeer('bare', 'bytes.ts')) },
};

/** Servers of N tools for tools/list over stdio. */
export function stdioTools(count: number): StdioTarget[] {
  const tools = String(count);
  const core = node(builtPeer('mcp-core', 'server.ts'), '--stdio', '--tools', tools);
  return [
    { key: 'mcp-core', era: 'modern', mode: 'McpServer + StdioServerTransport, 2026-07-28', command: core },
    { key: 'mcp-core-legacy', era: 'legacy', mode: 'same server, 2025-11-25 handshake', command: core },
    { key: 'sdk-v1', era: 'legacy', mode: 'McpServer + zod shapes, 2025-11-25 handshake', command: node(builtPeer('sdk-v1', 'stdio.ts'), '--tools', tools) },
    { key: 'sdk-v2', era: 'modern', mode: 'serveStdio + zod schemas, 2026-07-28', command: node(builtPeer('sdk-v2', 'stdio.ts'), '--tools', tools) },
  ];
}

/** Stateless modern echo over HTTP (SDK v1 only speaks the legacy era, statelessly). */
export const HTTP_MODERN: HttpTarget[] = [
  { key: 'mcp-core', era: 'modern', mode: 'CLI serve --http --demo, JSON reply', command: (port) => mcpCore('--http', `127.0.0.1:${port}`, '--demo') },
  // Scaling across processes: on 2 cores the load generator needs one of them.
  {
    key: 'mcp-core-workers',
    era: 'modern',
    mode: 'CLI serve --http --demo --workers 2 (node:cluster)',
    command: (port) => mcpCore('--http', `127.0.0.1:${port}`, '--demo', '--workers', '2'),
  },
  { key: 'sdk-v2', era: 'modern', mode: 'createMcpHandler + toNodeHandler, JSON reply', command: (port) => node(builtPeer('sdk-v2', 'http.ts'), '--port', String(port)) },
  {
    key: 'sdk-v1-stateless',
    era: 'legacy',
    mode: 'LEGACY era 2025-11-25: new server+transport per request, SSE reply',
    command: (port) => node(builtPeer('sdk-v1', 'http-stateless.ts'), '--port', String(port)),
  },
  {
    key: 'rmcp',
    era: 'modern',
    mode: 'StreamableHttpService on axum (TCP_NODELAY), json_response, release build',
    command: (port) => ({ command: RMCP_ECHO, args: ['--http', `127.0.0.1:${port}`] }),
    unavailable: RMCP_MISSING,
  },
  {
    key: 'python',
    era: 'modern',
    mode: 'MCPServer on uvicorn, stateless_http + json_response',
    command: (port) => ({ command: PYTHON, args: [peerScript('python-echo', 'server.py'), '--port', String(port)] }),
    unavailable: PYTHON_MISSING,
  },
  { key: 'bare', era: 'modern', mode: 'node:http + JSON, no MCP', command: (port) => node(builtPeer('bare', 'http.ts'), '--port', String(port)) },
];

/** Legacy-era echo inside one session over HTTP. */
export const HTTP_LEGACY: HttpTarget[] = [
  { key: 'mcp-core', era: 'legacy', mode: 'CLI serve --http --demo, JSON reply', command: (port) => mcpCore('--http', `127.0.0.1:${port}`, '--demo') },
  { key: 'sdk-v1', era: 'legacy', mode: 'transport per session on node:http, SSE reply (default)', command: (port) => node(builtPeer('sdk-v1', 'http-stateful.ts'), '--port', String(port)) },
  {
    key: 'rmcp',
    era: 'legacy',
    mode: 'legacy_session_mode on axum (TCP_NODELAY), SSE reply (json_response does not apply to sessions)',
    command: (port) => ({ command: RMCP_ECHO, args: ['--http', `127.0.0.1:${port}`, '--legacy-sessions'] }),
    unavailable: RMCP_MISSING,
  },
  {
    key: 'python',
    era: 'legacy',
    mode: 'MCPServer on uvicorn, sessions, SSE reply',
    command: (port) => ({ command: PYTHON, args: [peerScript('python-echo', 'server.py'), '--port', String(port), '--sessions'] }),
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
      mode: 'createMcpHandler: the factory registers every tool per request',
      command: (port) => node(builtPeer('sdk-v2', 'http.ts'), '--port', String(port), '--tools', tools),
    },
  ];
}
