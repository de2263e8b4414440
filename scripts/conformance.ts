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
/** Client scenarios run at once. The suite would start them all together; on a small machine their clients then time out. */
const CLIENT_CONCURRENCY = 4;
/** Per-scenario client timeout, generous for a loaded machine (the suite's default is 30 s). */
const CLIENT_TIMEOUT_MS = '90000';

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
      if (!report(`server ${revision}`, await tally(dir, 'server')) || code !== 0) clean = false;
    }
  } finally {
    server.stop();
  }
  return clean;
}

/** The client scenarios a requirement set lists (scored and not). */
async function requiredClientScenarios(revision: string): Promise<string[]> {
  const { output } = await run(['list', '--client', '--requirements', revision], true);
  // The client section lists the scored scenarios; the not-scored section tags each with its leg.
  const scored = output.slice(output.indexOf('Client scenarios'), output.indexOf('never scored'));
  const notScored = output.slice(output.indexOf('never scored'));
  return [...[...scored.matchAll(/^\s+- (\S+)$/gm)].map((match) => match[1]), ...[...notScored.matchAll(/^\s+- (\S+) \[client\]$/gm)].map((match) => match[1])];
}

/** Every auth scenario of the suite that no requirement set lists (the 2025-03-26 back-compat ones). */
async function otherAuthScenarios(required: Set<string>): Promise<string[]> {
  const { output } = await run(['list', '--client'], true);
  return [...output.matchAll(/^\s+- (auth\/\S+)/gm)].map((match) => match[1]).filter((name) => !required.has(name));
}

interface ClientRun {
  scenario: string;
  revision: string | undefined;
}

async function clientSide(out: string): Promise<boolean> {
  const command = `${process.execPath} ${join(root, 'examples/everything-client.ts')}`;
  const runs: ClientRun[] = [];
  const required = new Set<string>();
  for (const revision of REVISIONS) {
    for (const scenario of await requiredClientScenarios(revision)) {
      required.add(scenario);
      runs.push({ scenario, revision });
    }
  }
  for (const scenario of await otherAuthScenarios(required)) runs.push({ scenario, revision: undefined });
  console.log(`\n### conformance client: ${runs.length} scenario runs, ${CLIENT_CONCURRENCY} at a time`);
  const started = Date.now();
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < runs.length) {
      const { scenario, revision } = runs[next++];
      // --force runs a requirement set's extension scenarios at its wire, as --requirements does.
      const args = ['client', '--command', command, '--scenario', scenario, '--timeout', CLIENT_TIMEOUT_MS, '-o', join(out, 'client', revision ?? 'other')];
      if (revision !== undefined) args.push('--spec-version', revision, '--force');
      const { code, output } = await run(args, true);
      if (code !== 0) failures.push(`${scenario} (${revision ?? 'its own revision'}) exited with ${code}\n${output.slice(-3000)}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENT_CONCURRENCY }, worker));
  let clean = failures.length === 0;
  for (const failure of failures) console.log(`  ✗ ${failure}`);
  let scenarios = 0;
  for (const group of [...REVISIONS, 'other']) {
    const result = await tally(join(out, 'client', group), 'client');
    scenarios += result.scenarios;
    if (!report(`client ${group === 'other' ? 'auth scenarios of earlier revisions' : group}`, result)) clean = false;
  }
  if (scenarios !== runs.length) {
    console.log(`  ✗ ${runs.length} scenario runs, but ${scenarios} left results: the suite skipped some`);
    clean = false;
  }
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
