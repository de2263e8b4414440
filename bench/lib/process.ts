/**
 * Server processes under test: spawned directly (no shell, so the pid is the server's own and
 * its RSS is the server's), stderr kept for failure reports, always stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Command {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last few KB the server wrote to stderr, for failure messages. */
  stderrTail(): string;
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

const TAIL_BYTES = 4096;

export function startProcess(cmd: Command, stdio: 'pipe' | 'ignore' = 'ignore'): ServerProcess {
  const child = spawn(cmd.command, [...cmd.args], {
    cwd: cmd.cwd,
    env: { ...process.env, ...cmd.env },
    // stdin/stdout are the protocol for stdio servers; HTTP servers get them ignored.
    stdio: [stdio, stdio, 'pipe'],
  });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-TAIL_BYTES);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      tail += `\nspawn error: ${error.message}`;
      resolve({ code: -1, signal: null });
    });
  });
  return {
    child,
    get pid() {
      return child.pid ?? -1;
    },
    stderrTail: () => tail.trim(),
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process, from /proc/<pid>/status (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
