/** redis-server (Debian's package) for the scale-out workloads: no persistence, a free port, the generator's core. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { onGeneratorCore } from './cores.ts';
import { freePort, HOST } from './net.ts';

export interface RunningRedis {
  url: string;
  child: ChildProcess;
}

/** Starts redis-server pinned to the generator's core, so the server core's figures are the server's own; resolves once it accepts connections. */
async function startRedis(): Promise<RunningRedis> {
  const port = await freePort();
  const cmd = onGeneratorCore({ command: 'redis-server', args: ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'] });
  const child = spawn(cmd.command, [...cmd.args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const ready = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) resolve(true);
    });
  });
  if (!ready) throw new Error('redis-server did not start: install it (Debian: apt-get install redis-server)');
  return { url: `redis://${HOST}:${port}`, child };
}

/** Runs `use` with a redis-server of its own (its URL), killed afterwards. */
export async function withRedis<T>(use: (url: string) => Promise<T>): Promise<T> {
  const redis = await startRedis();
  try {
    return await use(redis.url);
  } finally {
    redis.child.kill('SIGKILL');
  }
}
