/** What a process holds, read from /proc (Linux). */
import { readFile } from 'node:fs/promises';

/** A process's resident set now, and its peak so far. */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const bytes = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: bytes('VmRSS'), peak: bytes('VmHWM') };
}
