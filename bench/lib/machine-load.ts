/**
 * How busy the machine is before the run starts. Other processes change every number here
 * (on 2 cores they steal from the server or the generator, and they even shorten wake-up
 * latency), so a busy machine is reported next to the results rather than silently measured.
 */
import { readFileSync } from 'node:fs';
import { sleep } from './process.ts';

function cpuTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = fields[3] + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Share of all CPU time (0..1) spent busy over the next `ms`, while this process waits. */
export async function machineBusy(ms: number): Promise<number> {
  try {
    const start = cpuTimes();
    await sleep(ms);
    const end = cpuTimes();
    const total = end.total - start.total;
    return total > 0 ? (end.busy - start.busy) / total : 0;
  } catch {
    return NaN;
  }
}
