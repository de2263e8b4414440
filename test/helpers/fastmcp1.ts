/** The official Python SDK 1.x FastMCP server of test/fixtures/fastmcp1-server.py, over HTTP. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, type RunningServer } from './processes.ts';
import { pythonOf } from './python.ts';

const SCRIPT = join(ROOT, 'test/fixtures/fastmcp1-server.py');

/** Starts the FastMCP 1.x peer (on `port`, or a free one) and waits for its URL. */
export async function startFastMcp1(port = 0): Promise<RunningServer> {
  const child = spawn(pythonOf('mcp1'), [SCRIPT, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`FastMCP did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`FastMCP exited with ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const found = /listening at (http:\/\/\S+)/.exec(line);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
  });
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
