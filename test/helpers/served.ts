/** `mcp-core serve` as a child process with its own environment, watched line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from './processes.ts';

export interface Served {
  process: ChildProcess;
  /** The URL it announced (http:// or https://); empty under --stdio. */
  url: string;
  /** Resolves with the first stderr line (past or future) that matches. */
  stderrLine(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

/** Starts `mcp-core serve --demo ARGS` with `env` over the test's environment. */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--demo', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    for (const watcher of watchers.filter((w) => w.pattern.test(line))) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stderrLine = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) resolve(seen);
      else watchers.push({ pattern, resolve });
    });
  if (args.includes('--stdio')) return Promise.resolve({ process: child, url: '', stderrLine, exited });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${lines.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const found = /(https?:\/\/\S+?)(?:\s|$)/.exec(line);
      if (found) resolve({ process: child, url: found[1], stderrLine, exited });
    });
  });
}
