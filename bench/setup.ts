/**
 * The bench's own setup, run by the root `npm run bench` before run.ts: the npm packages of
 * this folder, the mcp-core binary, the Node peers as JavaScript, the rmcp peer's release
 * build, and the Python peer's venv. Each step is skipped
 * when it is already done, so a second run starts measuring at once.
 *
 * npm packages and wrk are required. cargo and python3 are not: when one is missing, its peer
 * is reported as failed in RESULTS.md instead of stopping the whole suite.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, BUILT_PEERS_DIR, ROOT_DIR } from './lib/paths.ts';

function log(message: string): void {
  process.stderr.write(`[bench setup] ${message}\n`);
}

/** Runs a command with its output on stderr (stdout is kept for the results summary). */
function step(command: string, args: string[], cwd = BENCH_DIR): boolean {
  // fd 2 for both: the child's stdout goes to our stderr.
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 2, 2] });
  return result.status === 0;
}

function have(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function npmPackages(): void {
  const marker = join(BENCH_DIR, 'node_modules', '.package-lock.json');
  const lock = join(BENCH_DIR, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing bench npm packages (npm ci)');
  if (!step('npm', ['ci', '--no-audit', '--no-fund'])) throw new Error('npm ci in bench/ failed');
}

/**
 * wrk is the HTTP load generator (a Debian/Ubuntu package; Homebrew has it too). It is not an
 * npm package, so setup can only check for it and say how to get it.
 */
function wrk(): void {
  if (spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined) return;
  log('wrk is not installed: the HTTP benchmarks use it as their load generator.');
  log('  Debian/Ubuntu: sudo apt-get install wrk    macOS: brew install wrk');
  log('  Then run `npm run bench` again.');
  process.exit(1);
}

function rustPeer(): void {
  if (!have('cargo', ['--version'])) {
    log('cargo not found: the rmcp peer will be reported as failed');
    return;
  }
  log('building bench/peers/rmcp-echo (cargo build --release)');
  const manifest = join(BENCH_DIR, 'peers', 'rmcp-echo', 'Cargo.toml');
  if (!step('cargo', ['build', '--release', '--locked', '--quiet', '--manifest-path', manifest])) {
    log('cargo build failed: the rmcp peer will be reported as failed');
  }
}

/**
 * A venv from a pinned requirements file, redone whenever that file changes (its hash is kept
 * beside it); `after` installs more into it (mcp_core from the checkout). A failure is reported
 * and its peers are reported as failed.
 */
function pythonVenv(name: string, requirements: string, after: (python: string) => boolean = () => true): void {
  const venv = join(BENCH_DIR, name);
  const python = join(venv, 'bin', 'python');
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const stamp = join(venv, 'requirements.sha256');
  if (!existsSync(python)) {
    if (!have('python3', ['--version'])) {
      log(`python3 not found: the peers of bench/${name} will be reported as failed`);
      return;
    }
    log(`creating bench/${name}`);
    if (!step('python3', ['-m', 'venv', venv])) {
      log(`python3 -m venv failed: the peers of bench/${name} will be reported as failed`);
      return;
    }
  }
  const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (installed === wanted) return;
  log(`installing ${requirements.slice(BENCH_DIR.length + 1)} into bench/${name}`);
  if (!step(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]) || !after(python)) {
    log(`pip install failed: the peers of bench/${name} will be reported as failed`);
    return;
  }
  writeFileSync(stamp, `${wanted}\n`);
}

/** The official SDK's echo server (peers/python-echo). */
function pythonPeer(): void {
  pythonVenv('.venv', join(BENCH_DIR, 'peers', 'python-echo', 'requirements.txt'));
}

/**
 * The Python clients (peers/python-clients): mcp and fastmcp pinned, and mcp_core installed
 * from the checkout, editable, so it is measured as the sources are (its engine is rebuilt by
 * mcpCore() below on every run).
 */
function pythonClients(): void {
  pythonVenv('.venv-clients', join(BENCH_DIR, 'peers', 'python-clients', 'requirements.txt'), (python) =>
    step(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-e', join(ROOT_DIR, 'python')]),
  );
}

/** FastMCP's proxy (peers/fastmcp-proxy) and ContextForge (peers/contextforge), for the gateway workload. */
function gatewayPeers(): void {
  pythonVenv('.venv-proxy', join(BENCH_DIR, 'peers', 'fastmcp-proxy', 'requirements.txt'));
  pythonVenv('.venv-contextforge', join(BENCH_DIR, 'peers', 'contextforge', 'requirements.txt'));
}

/** mcp-core is measured as shipped, so the binary is built from the current sources each run. */
function mcpCore(): void {
  log('building mcp-core (npm run build, npm run build:python)');
  if (!step('npm', ['run', 'build'], ROOT_DIR)) throw new Error('npm run build failed');
  if (!step('npm', ['run', 'build:python'], ROOT_DIR)) throw new Error('npm run build:python failed');
}

/** Node peers to build, as `<dir>/<entry>.ts` under peers/. */
const NODE_PEERS = ['bare/stdio.ts', 'bare/bytes.ts', 'bare/http.ts', 'sdk-v1/stdio.ts', 'sdk-v1/http-stateful.ts', 'sdk-v1/http-stateless.ts', 'sdk-v2/stdio.ts', 'sdk-v2/http.ts', 'mcp-core/server.ts', 'mcp-core/gateway.ts'];

/**
 * Bundles each Node peer to plain JavaScript in .build/, packages left external so the SDKs
 * run as installed. Without it every peer would pay Node's TypeScript stripping at startup,
 * which no shipped package pays.
 */
async function nodePeers(): Promise<void> {
  log('building the Node peers as JavaScript (esbuild)');
  const { build } = await import(join(ROOT_DIR, 'node_modules', 'esbuild', 'lib', 'main.js'));
  await build({
    entryPoints: Object.fromEntries(NODE_PEERS.map((entry) => [entry.replace(/\.ts$/, ''), join(BENCH_DIR, 'peers', entry)])),
    outdir: BUILT_PEERS_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    logLevel: 'warning',
  });
}

wrk();
npmPackages();
mcpCore();
await nodePeers();
rustPeer();
pythonPeer();
pythonClients();
gatewayPeers();
