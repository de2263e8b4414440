/**
 * Reads the suite's checks.json files and sorts every check: passed, failed (FAILURE or
 * WARNING), or skipped. A skip is acceptable only when the suite makes it for every
 * implementation (listed in SUITE_SKIPS with the reason); any other skip means the
 * implementation left a check unexercised, and fails the run like a failure.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

interface Check {
  id: string;
  name?: string;
  status: string;
  errorMessage?: string;
}

/**
 * Skips the suite makes whatever the implementation does, keyed `side scenario check-name`.
 * Nothing else may be skipped.
 */
export const SUITE_SKIPS: ReadonlyMap<string, string> = new Map([
  [
    'server tasks-status-notifications TasksStatusNotificationsScenario',
    'the suite skips the scenario outright: its harness still watches the tools/call stream, not subscriptions/listen where SEP-2663 now sends notifications/tasks',
  ],
  [
    'client http-standard-headers ClientMcpMethodHeader_initialize',
    'the scenario expects an initialize request, which a 2026-07-28 client never sends (stateless, SEP-2575)',
  ],
  [
    'client http-standard-headers ClientMcpMethodHeader_notifications_initialized',
    'the scenario expects notifications/initialized, which a 2026-07-28 client never sends (stateless, SEP-2575)',
  ],
]);

export interface Tally {
  scenarios: number;
  passed: number;
  bad: string[];
  /** Skips the suite makes for everyone, with their reasons. */
  suiteSkips: string[];
  /** Skips the implementation caused. */
  ownSkips: string[];
}

/** The directories holding a checks.json under `dir` (auth scenarios sit one level deeper). */
async function scenarioDirs(dir: string): Promise<string[]> {
  const found: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (!(await stat(path)).isDirectory()) continue;
    const inner = await readdir(path);
    if (inner.includes('checks.json')) found.push(path);
    else found.push(...(await scenarioDirs(path)));
  }
  return found;
}

/** The scenario's name from its result directory (`<scenario>-<timestamp>`). */
function scenarioName(root: string, path: string): string {
  return path
    .slice(root.length + 1)
    .replace(/^server-/, '')
    .replace(/-\d{4}-\d\d-\d\dT.*$/, '');
}

export async function tally(dir: string, side: 'server' | 'client'): Promise<Tally> {
  const result: Tally = { scenarios: 0, passed: 0, bad: [], suiteSkips: [], ownSkips: [] };
  for (const path of await scenarioDirs(dir)) {
    result.scenarios++;
    const scenario = scenarioName(dir, path);
    const checks = JSON.parse(await readFile(join(path, 'checks.json'), 'utf8')) as Check[];
    for (const check of checks) {
      const label = `${scenario}: ${check.id}${check.name !== undefined && check.name !== check.id ? ` (${check.name})` : ''}`;
      if (check.status === 'SUCCESS') result.passed++;
      else if (check.status === 'FAILURE' || check.status === 'WARNING') result.bad.push(`${label} ${check.status} ${check.errorMessage ?? ''}`);
      else if (check.status === 'SKIPPED') {
        const reason = SUITE_SKIPS.get(`${side} ${scenario} ${check.name ?? check.id}`);
        if (reason === undefined) result.ownSkips.push(`${label} SKIPPED ${check.errorMessage ?? ''}`);
        else result.suiteSkips.push(`${label}: ${reason}`);
      }
    }
  }
  return result;
}

/** Prints a tally; returns whether it is clean. */
export function report(title: string, result: Tally): boolean {
  console.log(`\n${title}: ${result.scenarios} scenarios, ${result.passed} checks passed, ${result.bad.length} failing or warning, ${result.ownSkips.length + result.suiteSkips.length} skipped`);
  for (const line of result.bad) console.log(`  ✗ ${line}`);
  for (const line of result.ownSkips) console.log(`  ✗ ${line} (skipped because of the implementation)`);
  for (const line of result.suiteSkips) console.log(`  - skipped by the suite for every implementation: ${line}`);
  return result.bad.length === 0 && result.ownSkips.length === 0;
}
