/**
 * How many cases each fuzz target runs. `npm test` runs the bounded defaults; `npm run fuzz`
 * (scripts/fuzz.ts) sets FUZZ_RUNS for longer runs, and FUZZ_SEED replays a failure.
 */
import { randomInt } from 'node:crypto';
import fc from 'fast-check';

/**
 * The cases for a target: FUZZ_RUNS when set, else the target's bounded default. A target whose
 * case costs far more than most (a sequence of real HTTP exchanges) runs `share` of FUZZ_RUNS,
 * so that a long run takes about as long for it as for the others.
 */
export function runsFor(bounded: number, share = 1): number {
  const asked = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(asked) && asked > 0 ? Math.max(1, Math.round(asked * share)) : bounded;
}

/**
 * fast-check parameters: the number of runs and the seed, both printed. fast-check picks a seed
 * of its own when given none and names it only in the report of a failing case, which a run
 * cut short never writes (the test's timeout, a case that hangs): picked here, the seed is in
 * the log before the first case, and FUZZ_SEED replays the run.
 */
export function fuzzParameters<T>(target: string, bounded: number, share = 1): fc.Parameters<T> {
  const numRuns = runsFor(bounded, share);
  const seed = process.env.FUZZ_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.FUZZ_SEED);
  process.stdout.write(`# fuzz ${target}: ${numRuns} cases, seed ${seed}\n`);
  return { numRuns, seed };
}
