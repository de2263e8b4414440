/** Starting real server processes for integration tests. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'src/cli/main.ts');

export interface RunningServer {
  url: string;
  process: ChildProcess;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `node <script> <args>` and waits for the first http:// URL it prints. */
export function startHttpServer(script: string, args: string[]): Promise<RunningServer> {
  return startUrlServer(process.execPath, [script, ...args]);
}

/**
 * Starts `command <args>` and waits for the first http:// URL it prints; `stop()` sends
 * `stopSignal` (SIGTERM by default).
 */
export async function startUrlServer(command: string, args: string[], stopSignal: NodeJS.Signals = 'SIGTERM', env?: NodeJS.ProcessEnv): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
    lines.on('line', (line) => {
      const found = /(http:\/\/\S+)/.exec(line);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
  });
  return {
    url,
    process: child,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(stopSignal);
      }),
  };
}

/** `mcp-core serve --demo` over HTTP on a free loopback port; `env` is added to this process's. */
export function startDemoHttp(extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  return startUrlServer(process.execPath, [CLI, 'serve', '--demo', '--http', '127.0.0.1:0', ...extra], 'SIGTERM', { ...process.env, ...env });
}

/** The pids of a process's children (the workers of `serve --workers N`), in ascending order. */
export async function children(pid: number): Promise<number[]> {
  const { stdout } = await promisify(execFile)('pgrep', ['-P', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b);
}
