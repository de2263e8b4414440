/** The machine and software a run used, for the top of RESULTS.md. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, PYTHON, ROOT_DIR } from '../lib/paths.ts';

export interface Environment {
  machine: Array<[string, string]>;
  software: Array<[string, string]>;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).trim();
  } catch {
    return 'not available';
  }
}

function npmVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function crateVersion(name: string): string {
  try {
    const lock = readFileSync(join(BENCH_DIR, 'peers', 'rmcp-echo', 'Cargo.lock'), 'utf8');
    return new RegExp(`name = "${name}"\\nversion = "([^"]+)"`).exec(lock)?.[1] ?? 'not locked';
  } catch {
    return 'no Cargo.lock';
  }
}

/** `wrk -v` prints its version and exits 1. */
function wrkVersion(): string {
  const out = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return out.error === undefined ? out.stdout.split('\n')[0].replace(/ Copyright.*$/, '') : 'not installed';
}

function pyVersion(name: string): string {
  return run(PYTHON, ['-c', `import importlib.metadata as m; print(m.version("${name}"))`]);
}

export function environment(): Environment {
  const cpu = cpus();
  const core = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { version: string };
  const commit = run('git', ['-C', ROOT_DIR, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', ROOT_DIR, 'status', '--porcelain', '--', 'src']) ? ' (src has uncommitted changes)' : '';
  return {
    machine: [
      ['CPU', `${cpu[0]?.model ?? 'unknown'}`],
      ['Cores', String(cpu.length)],
      ['RAM', `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`],
      ['Kernel', `Linux ${release()}`],
    ],
    software: [
      ['mcp-core', `${core.version} @ ${commit}${dirty}`],
      ['Node.js', process.version],
      ['Rust', run('rustc', ['--version'])],
      ['Python', run(PYTHON, ['--version'])],
      ['@modelcontextprotocol/sdk (TS SDK v1)', npmVersion('@modelcontextprotocol/sdk')],
      ['@modelcontextprotocol/server (TS SDK v2)', npmVersion('@modelcontextprotocol/server')],
      ['@modelcontextprotocol/node (SDK v2 node:http adapter)', npmVersion('@modelcontextprotocol/node')],
      ['zod', npmVersion('zod')],
      ['rmcp (crates.io)', crateVersion('rmcp')],
      ['axum (rmcp HTTP host)', crateVersion('axum')],
      ['mcp (PyPI)', pyVersion('mcp')],
      ['uvicorn (Python HTTP host)', pyVersion('uvicorn')],
      ['uvloop, httptools (uvicorn event loop and HTTP parser)', `${pyVersion('uvloop')}, ${pyVersion('httptools')}`],
      ['wrk (HTTP load)', wrkVersion()],
    ],
  };
}
