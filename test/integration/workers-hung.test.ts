/**
 * `serve --workers 2` with a hung worker (SIGSTOP: its event loop never runs, as one blocked by
 * a tool). The primary notices it by its heartbeat and replaces it, and the connection node:cluster
 * had handed it reaches the other worker; at shutdown it kills it and says so, at the deadline
 * or soon after a second signal.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { setTimeout } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MODERN_VERSION } from '../../src/protocol/versions.ts';
import { MODERN_META, postFresh } from '../helpers/http.ts';
import { children, startDemoHttp, type RunningServer } from '../helpers/processes.ts';

/** `work`, or a rejection saying what hung after `ms`. */
function within<T>(work: Promise<T>, ms: number, what: () => string): Promise<T> {
  const stop = new AbortController();
  const hung = setTimeout(ms, undefined, { signal: stop.signal }).then(() => Promise.reject(new Error(`${what()} after ${ms} ms`)));
  hung.catch(() => {});
  return Promise.race([work, hung]).finally(() => stop.abort());
}

/** Resolves with the exit code of `child`. */
function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Resolves once the server has written a line matching `pattern` to stderr; rejects after 10 s. */
async function logged(server: RunningServer, pattern: RegExp): Promise<void> {
  const until = Date.now() + 10_000;
  while (!pattern.test(server.stderr())) {
    if (Date.now() > until) throw new Error(`not logged: ${pattern}\n${server.stderr()}`);
    await setTimeout(50);
  }
}

function echo(url: string, id: number) {
  const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `e${id}` }, _meta: MODERN_META } };
  return postFresh(url, body, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
}

describe('--workers with a hung worker', () => {
  it('a worker that stops answering the heartbeat is replaced, and the connection handed to it reaches the other worker (it hung forever)', async () => {
    const server = await startDemoHttp(['--workers', '2'], { MCP__WORKERHEARTBEATTIMEOUTMS: '1500' });
    const [hung] = await children(server.process.pid!);
    try {
      process.kill(hung, 'SIGSTOP');
      // Four new connections at once: node:cluster hands one of them to the stopped worker.
      const answers = await within(Promise.all([1, 2, 3, 4].map((id) => echo(server.url, id))), 10_000, () => `a call hung:\n${server.stderr()}`);
      assert.deepEqual(answers.map((answer) => answer.json.result?.content?.[0]?.text), ['e1', 'e2', 'e3', 'e4']);
      assert.match(server.stderr(), new RegExp(`worker ${hung} did not answer the heartbeat within 1500 ms \\(stopped, or its event loop blocked\\): killing it`));
      await logged(server, new RegExp(`worker \\d+ is serving in place of ${hung}\\b`));
      assert.equal((await children(server.process.pid!)).length, 2);
    } finally {
      await server.stop();
    }
    assert.equal(server.process.exitCode, 0);
  });

  it('with every worker hung, the connections handed to them are closed when they are replaced, not left open for ever; the replacements serve', async () => {
    const server = await startDemoHttp(['--workers', '2'], { MCP__WORKERHEARTBEATTIMEOUTMS: '1500' });
    const hung = await children(server.process.pid!);
    try {
      for (const pid of hung) process.kill(pid, 'SIGSTOP');
      const ends = await within(Promise.allSettled([1, 2, 3].map((id) => echo(server.url, id))), 10_000, () => `a connection hung:\n${server.stderr()}`);
      for (const end of ends) assert.equal(end.status, 'rejected', 'no worker could have answered');
      for (const pid of hung) await logged(server, new RegExp(`worker \\d+ is serving in place of ${pid}\\b`));
      assert.equal((await echo(server.url, 4)).json.result.content[0].text, 'e4');
    } finally {
      await server.stop();
    }
  });

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
      server.process.kill('SIGTERM');
      await logged(server, /SIGTERM: shutting down/);
      server.process.kill('SIGTERM');
      assert.equal(await within(exitCode(server.process), 15_000, () => `still running:\n${server.stderr()}`), 1);
      assert.match(server.stderr(), /a second signal \(SIGTERM\): the workers stop now; one still running in 5000 ms is killed/);
      assert.match(server.stderr(), new RegExp(`worker ${hung} did not stop within 5000 ms of the second signal`));
    } finally {
      server.process.kill('SIGKILL');
    }
  });
});
