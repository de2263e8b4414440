/**
 * The benchmark suite's entry point: runs every workload against every peer, then writes
 * RESULTS.md and results.svg next to this file and prints a summary to stdout. Progress goes
 * to stderr.
 *
 * Usage: node run.ts [--quick] [--only GROUP,...] | node run.ts --render
 * (--render rewrites the report from bench/results.json, the numbers of the last run)
 * Groups: stdio, large, http-modern, http-legacy, tools, sessions, cold-start.
 * `npm run bench` at the repository root does the setup (npm ci, cargo, venv) first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineBusy } from './lib/machine-load.ts';
import { BENCH_DIR } from './lib/paths.ts';
import { renderSummary } from './report/console.ts';
import { environment } from './report/environment.ts';
import { renderMarkdown } from './report/markdown.ts';
import { renderSvg } from './report/svg.ts';
import { evaluateTargets } from './report/targets.ts';
import { coldStart } from './workloads/cold-start.ts';
import { httpLegacy } from './workloads/http-legacy.ts';
import { httpModern } from './workloads/http-modern.ts';
import { sessionsMemory } from './workloads/sessions-memory.ts';
import { stdioEcho } from './workloads/stdio-echo.ts';
import { stdioLarge } from './workloads/stdio-large.ts';
import { toolsListHttp, toolsListStdio } from './workloads/tools-list.ts';
import { FULL, QUICK, type Settings, type WorkloadResult } from './workloads/types.ts';

type Group = (settings: Settings) => Promise<WorkloadResult[]>;

const GROUPS: Record<string, Group> = {
  stdio: async (s) => [await stdioEcho(s, 1), await stdioEcho(s, 64)],
  large: (s) => stdioLarge(s),
  'http-modern': async (s) => [await httpModern(s)],
  'http-legacy': async (s) => [await httpLegacy(s)],
  tools: async (s) => (s.quick ? [await toolsListStdio(s)] : [await toolsListStdio(s), await toolsListHttp(s)]),
  sessions: async (s) => [await sessionsMemory(s)],
  'cold-start': async (s) => [await coldStart(s)],
};

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, render: { type: 'boolean', default: false } } });
const RAW = join(BENCH_DIR, 'results.json');

/** Writes RESULTS.md and results.svg from one run's numbers. */
function report(run: RunInfo, env: ReturnType<typeof environment>, workloads: WorkloadResult[]): void {
  const targets = evaluateTargets(workloads);
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderMarkdown(run, env, workloads, targets));
  const subtitle = `${run.quick ? 'quick run' : 'full run'}, ${run.startedAt.toISOString().slice(0, 10)}; ${env.machine[1][1]} cores ${env.machine[0][1]}; Node ${process.version}`;
  writeFileSync(join(BENCH_DIR, 'results.svg'), renderSvg(workloads, subtitle));
  process.stdout.write(`\n${renderSummary(workloads, targets)}\nWrote bench/RESULTS.md and bench/results.svg (${Math.round(run.seconds)} s).\n`);
}

interface RunInfo {
  quick: boolean;
  startedAt: Date;
  seconds: number;
  busyBefore: number;
  busyAfter: number;
}

// --render: rewrite the report from the numbers of the last run (bench/results.json).
if (values.render) {
  const saved = JSON.parse(readFileSync(RAW, 'utf8')) as { run: RunInfo; env: ReturnType<typeof environment>; workloads: WorkloadResult[] };
  report({ ...saved.run, startedAt: new Date(saved.run.startedAt) }, saved.env, saved.workloads);
  process.exit(0);
}
const settings = values.quick ? QUICK : FULL;
const groups = values.only === undefined ? Object.keys(GROUPS) : values.only.split(',');
for (const group of groups) if (!(group in GROUPS)) throw new Error(`unknown group "${group}"; known: ${Object.keys(GROUPS).join(', ')}`);

const busyBefore = await machineBusy(2000);
if (busyBefore > 0.15) process.stderr.write(`warning: the machine is already ${Math.round(busyBefore * 100)}% busy; results will be disturbed\n`);
const startedAt = new Date();
const started = performance.now();
const workloads: WorkloadResult[] = [];
for (const group of groups) {
  process.stderr.write(`\n== ${group}\n`);
  workloads.push(...(await GROUPS[group](settings)));
}
const seconds = (performance.now() - started) / 1000;

const env = environment();
const busyAfter = await machineBusy(2000);
const run: RunInfo = { quick: settings.quick, startedAt, seconds, busyBefore, busyAfter };
if (values.only === undefined) {
  writeFileSync(RAW, JSON.stringify({ run, env, workloads }, null, 1));
  report(run, env, workloads);
} else {
  // A partial run is for looking, not for the record: the committed report stays whole.
  process.stdout.write(`\n${renderSummary(workloads, evaluateTargets(workloads))}\n(--only: bench/RESULTS.md left as it was)\n`);
}
