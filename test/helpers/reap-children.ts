/**
 * Loaded into every test process (`--import` in the test:unit script). A test that times out
 * never reaches its `finally`, so the servers it started stay alive; with `--test-force-exit`
 * the file's process ends anyway, and on its way out this stops (SIGTERM) every child it still
 * has, so neither the suite nor the machine keeps them. Linux: children are found in /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

function children(): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) found.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return found;
}

process.on('exit', () => {
  for (const pid of children()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
});
