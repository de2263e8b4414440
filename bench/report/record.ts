/**
 * A partial run recorded into the reports (`node bench/run.ts --only ID,... --record`): its
 * workloads replace those of the same id in bench/results.json (or join them, in the suite's
 * order), every other workload keeps the numbers of the run that measured it, and the run info
 * lists the later run, so RESULTS.md says which numbers came from when.
 */
import type { WorkloadResult } from '../workloads/types.ts';
import type { LaterRun, RunInfo } from './markdown.ts';

export interface SavedResults {
  run: RunInfo;
  env: import('./environment.ts').Environment;
  workloads: WorkloadResult[];
}

/**
 * The saved results with `measured` (workloads of a partial run, described by `later`) in
 * place. `order` is every workload id of the suite, in the order a full run measures them.
 */
export function recordPartial(saved: SavedResults, measured: readonly WorkloadResult[], later: LaterRun, order: readonly string[]): SavedResults {
  const fresh = new Map(measured.map((workload) => [workload.id, workload]));
  const kept = saved.workloads.filter((workload) => !fresh.has(workload.id));
  const rank = (id: string) => {
    const at = order.indexOf(id);
    return at === -1 ? order.length : at;
  };
  const workloads = [...kept, ...measured].sort((a, b) => rank(a.id) - rank(b.id));
  // An earlier partial run whose workloads were all measured again is no longer the source of any number.
  const earlier = (saved.run.later ?? [])
    .map((run) => ({ ...run, workloads: run.workloads.filter((id) => !fresh.has(id)) }))
    .filter((run) => run.workloads.length > 0);
  return { ...saved, run: { ...saved.run, later: [...earlier, later] }, workloads };
}
