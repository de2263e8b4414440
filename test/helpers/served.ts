/** `mcp-core serve` as a child process with its own environment, watched line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CLI } from './processes.ts';

export interface Served {
  process: ChildProcess;
  /** The URL it announced (http:// or https://); empty under --stdio. */
  url: string;
  /** Resolves with the first stderr line (past or future) that matches. */
  stderrLine(pattern: RegExp): Promise<string>;
  /** Resolves with the first stdout line (past or future) that matches (not under --stdio). */
  stdoutLine(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

/** The inspector's address of a server started with Node's `--inspect=127.0.0.1:0`. */
export async function inspectorUrl(served: Served): Promise<string> {
  const line = await served.stderrLine(/Debugger listening on ws:\/\//);
  return /(ws:\/\/\S+)/.exec(line)![1];
}

/** Starts `mcp-core serve --demo ARGS` with `env` over the test's environment, and Node's own `nodeArgs`. */
export function startServe(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--demo', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const stderr = watchLines(child.stderr!);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stderrLine = stderr.line;
  if (args.includes('--stdio')) return Promise.resolve({ process: child, url: '', stderrLine, stdoutLine: () => new Promise<string>(() => {}), exited });
  const stdout = watchLines(child.stdout!);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr.lines.join('\n')}`)));
    stdout.line(/https?:\/\/\S/).then((line) => {
      const found = /(https?:\/\/\S+?)(?:\s|$)/.exec(line)!;
      resolve({ process: child, url: found[1], stderrLine, stdoutLine: stdout.line, exited });
    });
  });
}

/** Every line of `input`, and a way to wait for the first (past or future) that matches. */
function watchLines(input: Readable): { lines: string[]; line(pattern: RegExp): Promise<string> } {
  const lines: string[] = [];
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  createInterface({ input }).on('line', (line) => {
    lines.push(line);
    for (const watcher of watchers.filter((w) => w.pattern.test(line))) {
      watchers.splice(watchers.indexOf(watcher), 1);
      watcher.resolve(line);
    }
  });
  const line = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = lines.find((candidate) => pattern.test(candidate));
      if (seen !== undefined) resolve(seen);
      else watchers.push({ pattern, resolve });
    });
  return { lines, line };
}

/** Stops a server started with {@link startServe} and waits for it to exit. */
export async function stopServe(served: Served): Promise<void> {
  served.process.kill();
  await served.exited;
}
