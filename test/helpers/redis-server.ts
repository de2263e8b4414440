/**
 * A real redis-server (from Debian's package) for tests, on a free loopback port, without
 * persistence, with a password when asked. `stop()` kills it (to test what happens when Redis goes away).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class RedisServer {
  readonly process: ChildProcess;
  readonly url: string;
  readonly #exited: Promise<void>;

  private constructor(process: ChildProcess, port: number, password: string | undefined) {
    this.process = process;
    this.url = `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}`;
    this.#exited = new Promise((resolve) => process.once('exit', () => resolve()));
  }

  /** Starts redis-server (asking clients for `password`, if given); tries another port if the one picked was taken meanwhile. */
  static async start(password?: string): Promise<RedisServer> {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password === undefined ? [] : ['--requirepass', password])], { stdio: ['ignore', 'pipe', 'pipe'] });
      const ready = await new Promise<boolean>((resolve) => {
        child.once('exit', () => resolve(false));
        createInterface({ input: child.stdout! }).on('line', (line) => {
          if (/Ready to accept connections/.test(line)) resolve(true);
        });
      });
      if (ready) return new RedisServer(child, port, password);
      if (attempt >= 3) throw new Error('redis-server did not start');
    }
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.#exited;
  }
}
