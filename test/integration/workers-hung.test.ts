/**
 * `serve --workers 2` with a hung worker (SIGSTOP: its event loop never runs, as one blocked by
 * a tool). At shutdown the primary kills it and says so, at the deadline or soon after a
 * second signal.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { children, startDemoHttp } from '../helpers/processes.ts';

/** `work`, or a rejection saying what hung after `ms`. */
function within<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what()} after ${ms} ms`)), ms)));
  return Promise.race([work, hung]).finally(() => clearTimeout(timer));
}

/** Resolves with the exit code of `child`. */
function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Resolves once `child` writes a line matching `pattern` to stderr from now on. */
function logged(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      if (!pattern.test(line)) return;
      lines.close();
      resolve();
    });
  });
}

describe('--workers with a hung worker', () => {
  it('at shutdown, a worker still hung 5 s past the deadline is killed and named, and the primary exits 1 (it was killed silently, exit 1 with nothing said)', async () => {
    const server = await startDemoHttp(['--workers', '2'], { MCP__SERVER__SHUTDOWNDEADLINEMS: '500' });
    const [hung] = await children(server.process.pid!);
    try {
      process.kill(hung, 'SIGSTOP');
      server.process.kill('SIGTERM');
      assert.equal(await within(exitCode(server.process), 15_000, () => `still running:\n${server.stderr()}`), 1);
      assert.match(server.stderr(), new RegExp(`worker ${hung} did not stop within the shutdown deadline \\(500 ms\\) and 5000 ms more \\(stopped, or its event loop blocked\\): killed, its calls in flight unanswered; exit code 1`));
    } finally {
      server.process.kill('SIGKILL');
    }
  });

  it('a second signal has a hung worker killed 5 s later, not 5 s past a deadline of 120 s (the primary waited 130 s)', async () => {
    const server = await startDemoHttp(['--workers', '2'], { MCP__SERVER__SHUTDOWNDEADLINEMS: '120000' });
    const [hung] = await children(server.process.pid!);
    try {
      process.kill(hung, 'SIGSTOP');
      const draining = logged(server.process, /SIGTERM: shutting down/);
      server.process.kill('SIGTERM');
      await draining;
      server.process.kill('SIGTERM');
      assert.equal(await within(exitCode(server.process), 15_000, () => `still running:\n${server.stderr()}`), 1);
      assert.match(server.stderr(), /a second signal \(SIGTERM\): the workers stop now; one still running in 5000 ms is killed/);
      assert.match(server.stderr(), new RegExp(`worker ${hung} did not stop within 5000 ms of the second signal`));
    } finally {
      server.process.kill('SIGKILL');
    }
  });
});
