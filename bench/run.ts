/**
 * The benchmark suite's entry point: runs every workload against every peer, then writes
 * RESULTS.md, results.svg and the README's performance section, and prints a summary to
 * stdout. Progress goes to stderr.
 *
 * Usage: node run.ts [--quick] [--only GROUP|ID,... [--record]] | node run.ts --render
 * (--only runs the workloads of those groups, or with those ids; --record then puts their
 * numbers into bench/results.json in place of the earlier ones and rewrites the reports, which
 * say so; --render rewrites the reports from bench/results.json)
 * Groups: stdio, large, http-modern, http-legacy, tools, gateway, python, sessions, cold-start,
 * observability, security, scale-out.
 * `npm run bench` at the repository root does the setup (npm ci, cargo, venv) first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CORE_COUNT, GENERATOR_CORE, pinSelf, PINNED, SERVER_CORE, UNPINNED_REASON } from './lib/cores.ts';
import { machineBusy } from './lib/machine-load.ts';
import { BENCH_DIR } from './lib/paths.ts';
import { renderSummary } from './report/console.ts';
import { environment, type Environment } from './report/environment.ts';
import { renderMarkdown, type RunInfo } from './report/markdown.ts';
import { recordPartial, type SavedResults } from './report/record.ts';
import { renderReadmeSection, writeReadmeSection } from './report/readme.ts';
import { renderSvg } from './report/svg.ts';
import { evaluateTargets } from './report/targets.ts';
import { WORKLOADS } from './workloads/index.ts';
import { growthNote } from './workloads/stdio-large.ts';
import { FULL, QUICK, type WorkloadResult } from './workloads/types.ts';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, record: { type: 'boolean', default: false }, render: { type: 'boolean', default: false } },
});
const RAW = join(BENCH_DIR, 'results.json');

/** Writes RESULTS.md, results.svg and the README section from one run's numbers. */
function report(run: RunInfo, env: Environment, workloads: WorkloadResult[]): void {
  const targets = evaluateTargets(workloads);
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderMarkdown(run, env, workloads, targets));
  const subtitle = `${run.quick ? 'quick run' : 'full run'}, ${run.startedAt.toISOString().slice(0, 10)}; ${env.machine[1][1]} cores ${env.machine[0][1]}; Node ${process.version}; median of ${run.runs} runs`;
  writeFileSync(join(BENCH_DIR, 'results.svg'), renderSvg(workloads, subtitle));
  writeReadmeSection(renderReadmeSection(run, env, workloads, targets));
  process.stdout.write(`\n${renderSummary(workloads, targets)}\nWrote bench/RESULTS.md, bench/results.svg and the README's performance section (${Math.round(run.seconds)} s).\n`);
}

// --render: rewrite the reports from the numbers of the last run (bench/results.json).
if (values.render) {
  const saved = readSaved();
  report(saved.run, saved.env, saved.workloads);
  process.exit(0);
}

function readSaved(): SavedResults {
  const saved = JSON.parse(readFileSync(RAW, 'utf8')) as SavedResults;
  return { ...saved, run: { ...saved.run, startedAt: new Date(saved.run.startedAt) } };
}
const settings = values.quick ? QUICK : FULL;
const names = new Set(WORKLOADS.flatMap((w) => [w.group, w.id]));
const only = values.only === undefined ? undefined : new Set(values.only.split(','));
for (const name of only ?? []) if (!names.has(name)) throw new Error(`unknown group or workload "${name}"; known: ${[...names].join(', ')}`);
if (values.record && only === undefined) throw new Error('--record records a partial run: give --only');

pinSelf();
const pinning = PINNED
  ? `Each server under test is pinned to core ${SERVER_CORE} and the load generator (wrk, or the stdio driver) to core ${GENERATOR_CORE} with taskset, every peer alike.`
  : `Nothing is pinned (${UNPINNED_REASON}): servers and load generators share the ${CORE_COUNT} core(s), so the fastest peers may be limited by the generator.`;
if (!PINNED) process.stderr.write(`warning: ${pinning}\n`);

const busyBefore = await machineBusy(2000);
if (busyBefore > 0.15) process.stderr.write(`warning: the machine is already ${Math.round(busyBefore * 100)}% busy; results will be disturbed\n`);
const startedAt = new Date();
const started = performance.now();
const workloads: WorkloadResult[] = [];
for (const workload of WORKLOADS) {
  if (only !== undefined && !only.has(workload.group) && !only.has(workload.id)) continue;
  process.stderr.write(`\n== ${workload.id}\n`);
  workloads.push(await workload.run(settings));
}
const one = workloads.find((w) => w.id === 'stdio-1mb');
const ten = workloads.find((w) => w.id === 'stdio-10mb');
if (one !== undefined && ten !== undefined) ten.notes.unshift(growthNote(one, ten));
const seconds = (performance.now() - started) / 1000;

const env = environment();
const busyAfter = await machineBusy(2000);
const run: RunInfo = { quick: settings.quick, startedAt, seconds, busyBefore, busyAfter, pinning, runs: settings.runs };
if (only === undefined) {
  writeFileSync(RAW, JSON.stringify({ run, env, workloads }, null, 1));
  report(run, env, workloads);
} else if (values.record) {
  const mcpCore = env.software.find(([name]) => name === 'mcp-core')?.[1] ?? 'unknown';
  const later = { workloads: workloads.map((w) => w.id), quick: settings.quick, startedAt, seconds, busyBefore, busyAfter, mcpCore };
  const saved = recordPartial(readSaved(), workloads, later, WORKLOADS.map((w) => w.id));
  writeFileSync(RAW, JSON.stringify(saved, null, 1));
  report(saved.run, saved.env, saved.workloads);
} else {
  // A partial run is for looking, not for the record: the committed reports stay whole.
  process.stdout.write(`\n${renderSummary(workloads, evaluateTargets(workloads))}\n(--only: bench/RESULTS.md and the README left as they were; ${Math.round(seconds)} s)\n`);
}
