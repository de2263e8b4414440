/**
 * `mcp-core tools` ended by a signal while an upstream is starting: the upstream goes with it.
 * Upstreams lead process groups of their own, so a signal a terminal sends to its foreground
 * group (SIGHUP when it closes, SIGQUIT for Ctrl-\) reaches the command and not them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitForExit } from '../helpers/pids.ts';
import { CLI } from '../helpers/processes.ts';

/** An upstream that writes its pid to `pidFile`, never answers and ignores its stdin closing. */
const SILENT_UPSTREAM = `require('node:fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);`;

async function pidIn(file: string): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text !== '') return Number(text);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no pid in ${file}`);
}

describe('mcp-core tools, ended by a signal', () => {
  for (const signal of ['SIGHUP', 'SIGQUIT', 'SIGINT', 'SIGTERM'] as const) {
    it(`${signal} ends the command with the signal and stops the upstreams it started`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mcp-core-signals-'));
      const pidFile = join(dir, 'upstream.pid');
      const config = join(dir, 'gateway.json');
      await writeFile(config, JSON.stringify({ mcpServers: { silent: { command: process.execPath, args: ['-e', SILENT_UPSTREAM, pidFile] } } }));
      // In the test's directory: where cores are dumped, SIGQUIT's would land there.
      const command = spawn(process.execPath, [CLI, 'tools', '--config', config], { stdio: 'ignore', cwd: dir });
      const exited = once(command, 'exit');
      const upstream = await pidIn(pidFile);
      try {
        command.kill(signal);
        const [code, ended] = await exited;
        assert.deepEqual({ code, ended }, { code: null, ended: signal }, 'ended by the signal, as a shell reports it (128 + its number)');
        await waitForExit([upstream], 5000);
      } finally {
        try {
          process.kill(upstream, 'SIGKILL');
        } catch {
          // gone, as it should be
        }
      }
    });
  }
});
