/**
 * A real redis-server (from Debian's package) for tests, on a free loopback port, without
 * persistence, with a password when asked. `stop()` kills it (to test what happens when Redis
 * goes away) and `restart()` brings it back on the same port, empty, as a restarted Redis
 * without persistence is.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from './ports.ts';

/** Why tests needing Redis are skipped (redis-server is not installed), or false when they run. */
export const REDIS_MISSING: string | false =
  spawnSync('redis-server', ['--version']).error === undefined ? false : 'redis-server is not installed (Debian: apt-get install redis-server; CI installs it in .ci/run)';

/** Starts redis-server on `port`; resolves once it accepts connections, or with undefined if it exited first. */
async function launch(port: number, password: string | undefined, extra: readonly string[] = []): Promise<ChildProcess | undefined> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (password !== undefined) args.push('--requirepass', password);
  args.push(...extra);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = await new Promise<boolean>((resolve) => {
    child.once('exit', () => resolve(false));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/Ready to accept connections/.test(line)) resolve(true);
    });
  });
  return ready ? child : undefined;
}

export class RedisServer {
  readonly url: string;
  readonly port: number;
  /** The redis-server process (the latest one, after a restart). */
  process: ChildProcess;
  readonly #password: string | undefined;

  private constructor(process: ChildProcess, port: number, password: string | undefined) {
    this.process = process;
    this.port = port;
    this.#password = password;
    this.url = `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}`;
  }

  /**
   * Starts redis-server (asking clients for `password`, if given, and with `extra` arguments:
   * `--replicaof`); tries another port if the one picked was taken meanwhile.
   */
  static async start(password?: string, extra: readonly string[] = []): Promise<RedisServer> {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const child = await launch(port, password, extra);
      if (child !== undefined) return new RedisServer(child, port, password);
      if (attempt >= 3) throw new Error('redis-server did not start');
    }
  }

  /** Kills it at once, as a crash would. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on the same port (empty: nothing is persisted). */
  async restart(): Promise<void> {
    await this.stop();
    for (let attempt = 0; ; attempt++) {
      const child = await launch(this.port, this.#password);
      if (child !== undefined) {
        this.process = child;
        return;
      }
      // The port may linger for a moment after the kill.
      if (attempt >= 20) throw new Error(`redis-server did not start again on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
