/**
 * CPU time read from /proc (Linux), as shares of one core over a measured interval: the
 * server's process tree (how much of its core it used), the load generator (this process, the
 * stdio driver, plus its finished children, wrk), and everything else on the machine (other
 * work that disturbed the run).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this suite targets

/** Busy ticks of all cores together. */
function machineTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return fields.slice(0, 8).reduce((sum, value) => sum + value, 0) - fields[3] - (fields[4] ?? 0);
}

/**
 * This process's CPU and that of its children it has reaped (utime, stime, cutime, cstime): a
 * wrk run that ended inside the interval is counted whole.
 */
function generatorTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

/** utime + stime of processes and all their descendants, in ticks. */
function treeTicks(roots: ReadonlySet<number>): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended while we looked
    }
  }
  let sum = 0;
  for (const [pid, value] of ticks) {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) {
      if (roots.has(at)) {
        sum += value;
        break;
      }
    }
  }
  return sum;
}

/** utime + stime of one process alone (not its children), in ticks. */
function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * The first process in `root`'s tree (itself included) whose command line holds `marker`:
 * the one whose own CPU a row reports (a gateway, not the upstream it started).
 */
export function findInTree(root: number, marker: string): number | undefined {
  const parents = new Map<number, number>();
  const matching: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').includes(marker)) matching.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  for (const pid of matching.sort((a, b) => a - b)) {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) {
      if (at === root) return pid;
    }
  }
  return undefined;
}

export interface CpuShares {
  /** The server's process tree. */
  server: number;
  /** The row's focus process alone (see {@link findInTree}); NaN when the row has none. */
  focus: number;
  /** The load generator: this process (the stdio driver) and wrk. */
  generator: number;
  /** Everything else busy on the machine meanwhile (other users' work, the kernel's). */
  others: number;
}

/**
 * Starts a reading; call the returned function at the end of the interval. The server is one
 * process tree, or several (replicas).
 */
export function cpuMeter(serverPids: number | readonly number[] | undefined, focusPid?: number): () => CpuShares {
  const roots = serverPids === undefined ? undefined : new Set(typeof serverPids === 'number' ? [serverPids] : serverPids);
  const started = performance.now();
  const machine = safe(machineTicks, NaN);
  const generator = safe(generatorTicks, NaN);
  const server = roots === undefined ? NaN : safe(() => treeTicks(roots), NaN);
  const focus = focusPid === undefined ? NaN : safe(() => processTicks(focusPid), NaN);
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const share = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
    const serverShare = share((roots === undefined ? NaN : safe(() => treeTicks(roots), NaN)) - server);
    const generatorShare = share(safe(generatorTicks, NaN) - generator);
    const machineShare = share(safe(machineTicks, NaN) - machine);
    const focusShare = share((focusPid === undefined ? NaN : safe(() => processTicks(focusPid), NaN)) - focus);
    return { server: serverShare, focus: focusShare, generator: generatorShare, others: Math.max(0, machineShare - serverShare - generatorShare) };
  };
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
