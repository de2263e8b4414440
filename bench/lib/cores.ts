/**
 * CPU pinning. The server under test gets its own core and the load generator another
 * (`taskset`), so every server has the same one core, a multi-threaded one included, and the
 * generator never competes with it. This process pins itself to the generator's core at start:
 * it is the stdio load driver, and it is idle while wrk runs.
 *
 * With fewer than 2 cores, or without taskset, nothing is pinned and the report says so.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import type { Command } from './process.ts';

/** Every online core (not only those this process may run on: taskset sets each process's own). */
export const CORE_COUNT = cpus().length;
const HAVE_TASKSET = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;

/** Whether servers and generators run on separate pinned cores in this run. */
export const PINNED = HAVE_TASKSET && CORE_COUNT >= 2;
export const GENERATOR_CORE = 0;
/** The first server core; a multi-process server may take the ones after it. */
export const SERVER_CORE = 1;

/** Why nothing is pinned, for the report, or undefined when pinning is on. */
export const UNPINNED_REASON = PINNED ? undefined : HAVE_TASKSET ? `only ${CORE_COUNT} core` : 'taskset (util-linux) is not installed';

function pinned(cmd: Command, cores: string): Command {
  if (!PINNED) return cmd;
  return { ...cmd, command: 'taskset', args: ['-c', cores, cmd.command, ...cmd.args] };
}

/** The command on the server's core(s); `cores` > 1 takes the cores after SERVER_CORE too. */
export function onServerCores(cmd: Command, cores = 1): Command {
  return pinned(cmd, cores === 1 ? String(SERVER_CORE) : `${SERVER_CORE}-${SERVER_CORE + cores - 1}`);
}

/**
 * The command of replica `index` of `count` identical servers: a server core of its own while
 * the cores besides the generator's suffice; else every core, the generator's included, shared
 * as the kernel schedules them (replicas outnumber the cores: what it gives is what it is).
 */
export function onReplicaCores(cmd: Command, index: number, count: number): Command {
  return count <= SERVER_CORES_AVAILABLE ? pinned(cmd, String(SERVER_CORE + index)) : pinned(cmd, `0-${CORE_COUNT - 1}`);
}

/** The command on the load generator's core. */
export function onGeneratorCore(cmd: Command): Command {
  return pinned(cmd, String(GENERATOR_CORE));
}

/** Pins every thread of this process to the generator's core (children inherit it). */
export function pinSelf(): void {
  if (PINNED) spawnSync('taskset', ['-a', '-p', '-c', String(GENERATOR_CORE), String(process.pid)], { stdio: 'ignore' });
}

/** How many cores a server may have besides the generator's. */
export const SERVER_CORES_AVAILABLE = PINNED ? CORE_COUNT - SERVER_CORE : CORE_COUNT;
