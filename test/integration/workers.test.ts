/** `mcp-core serve --workers 2`: one port, several processes, restarted crashes, a clean stop. */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { MODERN_META, postFresh } from '../helpers/http.ts';
import { CLI, children, startDemoHttp } from '../helpers/processes.ts';

async function ask(url: string, id: number, extra: Record<string, unknown> = {}) {
  const meta = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
  const response = await postFresh(
    url,
    { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Name?' }, _meta: meta, ...extra } },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'ask' },
  );
  return response.json;
}

function answer(first: { result: { requestState: string; inputRequests: Record<string, unknown> } }) {
  return { requestState: first.result.requestState, inputResponses: { [Object.keys(first.result.inputRequests)[0]]: { action: 'accept', content: { answer: 'Ada' } } } };
}

/** Resolves with the first line of the primary's stderr that matches `pattern`. */
function primaryLogs(primary: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: primary.stderr! });
    lines.on('line', (line) => {
      const found = pattern.exec(line);
      if (found === null) return;
      lines.close();
      resolve(found);
    });
  });
}

/**
 * Makes cluster worker 2 (the second forked) start 3 s late, so that worker 1 listens alone
 * for a while: a preload in every process of the server, changing only timing.
 */
const SLOW_SECOND_WORKER = {
  NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent('if (process.getBuiltinModule("node:cluster").worker?.id === 2) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);')}`,
};

describe('--workers', () => {
  it('announces its address only once every worker listens: a crash of the first no longer closes the port before the second listens (ECONNREFUSED)', async () => {
    const server = await startDemoHttp(['--workers', '2'], SLOW_SECOND_WORKER);
    try {
      const [first] = await children(server.process.pid!);
      // Once the primary knows (until then it may hand a connection to the dead worker), and
      // without waiting for a replacement: the other worker holds the port.
      const known = primaryLogs(server.process, new RegExp(`worker ${first} exited`));
      process.kill(first, 'SIGKILL');
      await known;
      const answered = await ask(server.url, 1);
      assert.equal(answered.result.resultType, 'input_required', JSON.stringify(answered));
    } finally {
      await server.stop();
    }
  });

  it('a retry opens on a worker that never saw its first round (the workers share the requestState secret); crashed workers are replaced behind the announced port', async () => {
    const server = await startDemoHttp(['--workers', '2']);
    try {
      const primary = server.process.pid!;
      const workers = await children(primary);
      assert.equal(workers.length, 2);
      // Rounds and retries on new connections, spread over both workers.
      for (let i = 0; i < 4; i++) {
        const first = await ask(server.url, 1);
        assert.equal(first.result.resultType, 'input_required');
        const retry = await ask(server.url, 2, answer(first));
        assert.equal(retry.result.content[0].text, 'Ada', JSON.stringify(retry));
      }
      // The proof: every process that could have sealed the first round is gone before the
      // retry is sent, so whichever worker answers it opened another process's requestState.
      const first = await ask(server.url, 3);
      assert.equal(first.result.resultType, 'input_required');
      // One at a time, each replaced before the next goes, so that a live worker holds the port
      // (the primary learns of a death a little after the exit: it may still hand a connection
      // to the dead one until then).
      for (const pid of workers) {
        const replaced = primaryLogs(server.process, new RegExp(`worker \\d+ is serving in place of ${pid}\\b`));
        process.kill(pid, 'SIGKILL');
        await replaced;
      }
      const retry = await ask(server.url, 4, answer(first));
      assert.equal(retry.result.content[0].text, 'Ada', JSON.stringify(retry));
      const replacements = await children(primary);
      assert.equal(replacements.length, 2, 'two new workers took the place of the crashed ones');
      assert.deepEqual(replacements.filter((pid) => workers.includes(pid)), []);
    } finally {
      await server.stop();
    }
    assert.equal(server.process.exitCode, 0);
  });

  it('a configuration the workers refuse at startup ends the command with exit code 2, as without workers (it was restarted 5 times, then exit 1)', async () => {
    const primary = spawn(process.execPath, [CLI, 'serve', '--demo', '--http', '127.0.0.1:0', '--workers', '2'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MCP__TLS__CERTFILE: 'missing-server.crt', MCP__TLS__KEYFILE: 'missing-server.key' },
    });
    const lines: string[] = [];
    createInterface({ input: primary.stderr! }).on('line', (line) => lines.push(line));
    const [code] = await new Promise<[number | null]>((resolve) => primary.once('close', (exitCode) => resolve([exitCode])));
    assert.equal(code, 2, lines.join('\n'));
    assert.ok(lines.some((line) => line.includes('cannot read tls.certFile missing-server.crt')), lines.join('\n'));
    assert.ok(!lines.some((line) => line.includes('starting another')), lines.join('\n'));
  });

  it('regression: SIGHUP without a gateway is said to have nothing to reload, and the server goes on, one process or several (it was killed, calls unanswered; the workers were restarted)', async () => {
    for (const extra of [[], ['--workers', '2']]) {
      const server = await startDemoHttp(extra);
      try {
        const workers = await children(server.process.pid!);
        // As a terminal closing sends it: to every process of the group.
        for (const pid of [server.process.pid!, ...workers]) process.kill(pid, 'SIGHUP');
        for (let waited = 0; !/SIGHUP: nothing to reload/.test(server.stderr()) && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.match(server.stderr(), /SIGHUP: nothing to reload \(no mcpServers/);
        assert.equal(server.stderr().match(/SIGHUP: nothing to reload/g)!.length, 1, 'said once, by the primary');
        assert.equal((await ask(server.url, 1)).result.resultType, 'input_required', 'still serving');
        assert.deepEqual(await children(server.process.pid!), workers, 'no worker restarted');
        assert.equal(server.process.exitCode, null);
      } finally {
        await server.stop();
      }
      assert.equal(server.process.exitCode, 0, server.stderr());
    }
  });

  it('warns at startup that legacy sessions do not cross workers without store.redis.url (the official SDK\'s client got 404 Session not found on its first request after initialize, with nothing said)', async () => {
    for (const [env, warned] of [[{}, true], [{ MCP__HTTP__SESSIONS__ENABLED: 'false' }, false]] as const) {
      const server = await startDemoHttp(['--workers', '2'], env);
      await server.stop();
      assert.equal(/legacy \(2025-11-25\) sessions live in the worker that created them.*store\.redis\.url.*http\.sessions\.enabled: false/.test(server.stderr()), warned, server.stderr());
    }
  });

  it('workers that fail to start are given up after 5, however long each took to fail (a port taken, workers slower than 2 s to start: restarted forever)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const slowStart = `if (process.getBuiltinModule("node:cluster").isWorker) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);`;
    const primary = spawn(process.execPath, [CLI, 'serve', '--demo', '--http', `127.0.0.1:${port}`, '--workers', '3'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(slowStart)}` },
    });
    const lines: string[] = [];
    createInterface({ input: primary.stderr! }).on('line', (line) => lines.push(line));
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`still restarting after 20 s:\n${lines.join('\n')}`)), 20_000);
        primary.once('close', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      assert.equal(code, 1, lines.join('\n'));
      assert.ok(lines.some((line) => line.includes('workers keep crashing; giving up')), lines.join('\n'));
      assert.ok(lines.some((line) => line.includes('EADDRINUSE')), lines.join('\n'));
    } finally {
      primary.kill('SIGKILL');
      taken.close();
    }
  });
});
