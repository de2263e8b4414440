/**
 * Runs the official MCP conformance suite both ways:
 * - server: the suite tests examples/everything-server.ts against the server requirements of
 *   2025-11-25 and of 2026-07-28, each at its own wire version (the tasks extension scenarios
 *   and the pending ones included);
 * - client: the suite tests examples/everything-client.ts against the client requirements of
 *   both revisions (the auth extension scenarios included), each scenario at the revision's
 *   wire, plus the auth scenarios of older revisions that no requirement set lists.
 * Every check of every scenario must pass, scored or not; a check skipped because of the
 * implementation fails the run too. There is no expected-failures list.
 *
 *   npm run conformance            # both sides
 *   npm run conformance -- client  # one side
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { report, tally } from './conformance-results.ts';

const root = join(import.meta.dirname, '..');
const suite = join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const REVISIONS = ['2025-11-25', '2026-07-28'];
/**
 * Per-scenario client timeout. The suite starts a requirement set's clients all at once; on a
 * small, loaded machine 30 s (its default) is not always enough for all of them to start.
 */
const CLIENT_TIMEOUT_MS = '120000';

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

/** Runs the suite; resolves with its exit code and what it printed, when `quiet`. */
function run(args: string[], quiet = false): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [suite, ...args], { stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function serverSide(out: string): Promise<boolean> {
  const server = await startServer();
  let clean = true;
  try {
    for (const revision of REVISIONS) {
      const dir = join(out, 'server', revision);
      console.log(`\n### conformance server --requirements ${revision} against ${server.url}`);
      const { code } = await run(['server', '--url', server.url, '--requirements', revision, '-o', dir]);
      const result = await tally(dir, 'server');
      if (!report(`server ${revision}`, result) || code !== 0) clean = false;
      const expected = (await requiredScenarios(revision, 'server')).length;
      if (result.scenarios !== expected) {
        console.log(`  ✗ ${expected} scenarios required, ${result.scenarios} left results: the suite skipped some`);
        clean = false;
      }
    }
  } finally {
    server.stop();
  }
  return clean;
}

/** The scenarios a requirement set lists for one side (scored and not). */
async function requiredScenarios(revision: string, side: 'server' | 'client'): Promise<string[]> {
  const { output } = await run(['list', '--requirements', revision], true);
  // Each side has its section of scored scenarios; the not-scored section tags each with its leg.
  const heading = side === 'server' ? 'Server scenarios' : 'Client scenarios';
  const start = output.indexOf(heading);
  const notScored = output.indexOf('never scored');
  const next = side === 'server' ? output.indexOf('Client scenarios', start) : notScored;
  const scored = output.slice(start, next === -1 ? notScored : next);
  const leg = new RegExp(`^\\s+- (\\S+) \\[${side}\\]$`, 'gm');
  return [...[...scored.matchAll(/^\s+- (\S+)$/gm)].map((match) => match[1]), ...[...output.slice(notScored).matchAll(leg)].map((match) => match[1])];
}

/** Every auth scenario of the suite that no requirement set lists (the 2025-03-26 back-compat ones). */
async function otherAuthScenarios(required: Set<string>): Promise<string[]> {
  const { output } = await run(['list', '--client'], true);
  return [...output.matchAll(/^\s+- (auth\/\S+)/gm)].map((match) => match[1]).filter((name) => !required.has(name));
}

/** Runs the suite quietly; on failure prints the end of what it said. */
async function runQuietly(args: string[], what: string): Promise<boolean> {
  const { code, output } = await run(args, true);
  if (code === 0) return true;
  console.log(`  ✗ ${what}: the suite exited with ${code}\n${output.slice(-4000)}`);
  return false;
}

async function clientSide(out: string): Promise<boolean> {
  const command = `${process.execPath} ${join(root, 'examples/everything-client.ts')}`;
  const started = Date.now();
  let clean = true;
  const required = new Set<string>();
  // Each requirement set in one run: the suite runs its scenarios in parallel, each at the
  // revision's wire, extensions included. The timeout is generous for a loaded machine.
  for (const revision of REVISIONS) {
    const scenarios = await requiredScenarios(revision, 'client');
    for (const scenario of scenarios) required.add(scenario);
    console.log(`\n### conformance client --requirements ${revision} (${scenarios.length} scenarios)`);
    const dir = join(out, 'client', revision);
    const phase = Date.now();
    clean = (await runQuietly(['client', '--command', command, '--requirements', revision, '--timeout', CLIENT_TIMEOUT_MS, '-o', dir], `client ${revision}`)) && clean;
    const result = await tally(dir, 'client');
    clean = report(`client ${revision} (${((Date.now() - phase) / 1000).toFixed(1)} s)`, result) && clean;
    if (result.scenarios !== scenarios.length) {
      console.log(`  ✗ ${scenarios.length} scenarios required, ${result.scenarios} left results`);
      clean = false;
    }
  }
  // The auth scenarios no requirement set lists (2025-03-26 back-compat), each at its own revision.
  const others = await otherAuthScenarios(required);
  const dir = join(out, 'client', 'other');
  for (const scenario of others) {
    clean = (await runQuietly(['client', '--command', command, '--scenario', scenario, '--timeout', CLIENT_TIMEOUT_MS, '-o', dir], scenario)) && clean;
  }
  const result = await tally(dir, 'client');
  clean = report(`client auth scenarios of earlier revisions (${others.join(', ')})`, result) && clean;
  if (result.scenarios !== others.length) clean = false;
  console.log(`\nclient conformance took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return clean;
}

const sides = process.argv.slice(2).filter((arg) => arg === 'server' || arg === 'client');
const out = await mkdtemp(join(tmpdir(), 'mcp-core-conformance-'));
let clean = true;
try {
  if (sides.length === 0 || sides.includes('server')) clean = (await serverSide(out)) && clean;
  if (sides.length === 0 || sides.includes('client')) clean = (await clientSide(out)) && clean;
} finally {
  if (process.env.MCP_CONFORMANCE_KEEP === undefined) await rm(out, { recursive: true, force: true });
  else console.log(`results kept in ${out}`);
}
if (!clean) {
  console.error('\nconformance: FAILED');
  process.exit(1);
}
console.log('\nconformance: every check of every scenario passed');
