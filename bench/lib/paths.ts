/** Where things are, relative to this package, so no machine path is written anywhere. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT_DIR = dirname(BENCH_DIR);
/** Node servers run on the same Node as the benchmark (the repo's pinned Node 24 under npm run). */
export const NODE = process.execPath;
export const PYTHON = join(BENCH_DIR, '.venv', 'bin', 'python');
/** The Python clients' venv: mcp, fastmcp and mcp_core (peers/python-clients). */
export const PYTHON_CLIENTS_VENV = join(BENCH_DIR, '.venv-clients', 'bin', 'python');
/** FastMCP's proxy: fastmcp, uvicorn, uvloop and httptools (peers/fastmcp-proxy). */
export const PROXY_VENV = join(BENCH_DIR, '.venv-proxy', 'bin', 'python');
/** ContextForge: mcp-contextforge-gateway and what it needs (peers/contextforge). */
export const CONTEXTFORGE_VENV = join(BENCH_DIR, '.venv-contextforge', 'bin', 'python');
export const RMCP_ECHO = join(BENCH_DIR, 'peers', 'rmcp-echo', 'target', 'release', 'rmcp-echo');
/** mcp-core as it ships: the bundled binary that `npm run build` writes (setup runs it). */
export const MCP_CORE_CLI = join(ROOT_DIR, 'dist', 'bin', 'mcp-core.js');

export function peerScript(...parts: string[]): string {
  return join(BENCH_DIR, 'peers', ...parts);
}

/** Where setup writes the Node peers as plain JavaScript (see setup.ts). */
export const BUILT_PEERS_DIR = join(BENCH_DIR, '.build');

/**
 * A Node peer as setup built it: `peers/<dir>/<name>.ts` bundled to plain JavaScript, so no
 * peer pays Node's TypeScript stripping at startup (about 30 ms) that a shipped package does
 * not pay either.
 */
export function builtPeer(dir: string, file: string): string {
  return join(BUILT_PEERS_DIR, dir, file.replace(/\.ts$/, '.mjs'));
}

/** A reason the executable is missing (setup did not build it), or undefined. */
export function missing(path: string, hint: string): string | undefined {
  return existsSync(path) ? undefined : `not available (${hint})`;
}
