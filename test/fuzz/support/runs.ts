/**
 * How many cases each fuzz target runs. `npm test` runs the bounded defaults; `npm run fuzz`
 * (scripts/fuzz.ts) sets FUZZ_RUNS for longer runs, and FUZZ_SEED replays a failure.
 */
import fc from 'fast-check';

/** The cases for a target: FUZZ_RUNS when set, else the target's bounded default. */
export function runsFor(bounded: number): number {
  const asked = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(asked) && asked > 0 ? asked : bounded;
}

/** fast-check parameters: the number of runs, printed so a reader of the log knows. */
export function fuzzParameters<T>(target: string, bounded: number): fc.Parameters<T> {
  const numRuns = runsFor(bounded);
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  process.stdout.write(`# fuzz ${target}: ${numRuns} cases${seed === undefined ? '' : `, seed ${seed}`}\n`);
  return seed === undefined ? { numRuns } : { numRuns, seed };
}
