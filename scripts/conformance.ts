/**
 * Runs the official MCP conformance suite against examples/everything-server.ts: the server
 * requirements of 2025-11-25 and of 2026-07-28, each at its own wire version, which also run
 * the tasks extension scenarios and the pending ones. Every check of every scenario must
 * pass, scored or not; there is no expected-failures list.
 *
 *   npm run conformance
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..');
const suite = join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const REVISIONS = ['2025-11-25', '2026-07-28'];

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
}

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [join(root, 'examples/everything-server.ts'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`everything server exited with ${code}`)));
    lines.on('line', (line) => {
      const found = /(http:\/\/\S+)/.exec(line);
      if (found) resolve(found[1]);
    });
  });
  return { url, stop: () => child.kill() };
}

function run(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [suite, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function collect(dir: string): Promise<{ scenarios: number; checks: number; bad: string[] }> {
  const bad: string[] = [];
  let checks = 0;
  const scenarios = await readdir(dir);
  for (const scenario of scenarios) {
    const list = JSON.parse(await readFile(join(dir, scenario, 'checks.json'), 'utf8')) as Check[];
    for (const check of list) {
      if (check.status === 'SUCCESS') checks++;
      if (check.status === 'FAILURE' || check.status === 'WARNING') {
        bad.push(`${scenario.replace(/-\d{4}-\d\d-\d\dT.*$/, '')}: ${check.id} ${check.status} ${check.errorMessage ?? ''}`);
      }
    }
  }
  return { scenarios: scenarios.length, checks, bad };
}

const server = await startServer();
const out = await mkdtemp(join(tmpdir(), 'mcp-core-conformance-'));
let failed = false;
try {
  for (const revision of REVISIONS) {
    const dir = join(out, revision);
    console.log(`\n### conformance --requirements ${revision} against ${server.url}`);
    const code = await run(['server', '--url', server.url, '--requirements', revision, '-o', dir]);
    const { scenarios, checks, bad } = await collect(dir);
    console.log(`\n${revision}: ${scenarios} scenarios, ${checks} checks passed, ${bad.length} failing or warning`);
    for (const line of bad) console.log(`  ✗ ${line}`);
    if (code !== 0 || bad.length > 0) failed = true;
  }
} finally {
  server.stop();
  await rm(out, { recursive: true, force: true });
}
if (failed) {
  console.error('\nconformance: FAILED');
  process.exit(1);
}
console.log('\nconformance: every check of every scenario passed');
