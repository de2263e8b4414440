/**
 * The stdio binding, client side: launches an MCP server as a child process and speaks
 * newline-delimited JSON over its pipes (spec 2026-07-28, basic/transports/stdio).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { StreamTransport, type StreamTransportOptions } from './stream.ts';

export interface StdioClientOptions extends StreamTransportOptions {
  command: string;
  args?: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /** What to do with the server's stderr; it is inherited by default so its logs stay visible. */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  /** How long to wait after closing stdin before SIGTERM, then as long again before SIGKILL. */
  shutdownGraceMs?: number;
}

/** The client's side: launches the server as a child process and speaks over its pipes. */
export class StdioClientTransport extends StreamTransport {
  readonly process: ChildProcess;
  readonly #graceMs: number;

  constructor(options: StdioClientOptions) {
    const child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
      windowsHide: true,
    });
    super(child.stdout!, child.stdin!, options);
    this.process = child;
    this.#graceMs = options.shutdownGraceMs ?? 2000;
    child.on('error', (error) =>
      this.finish(new McpLocalError(LocalErrorCode.ConnectionClosed, `Could not start ${options.command}: ${error.message}`, { cause: error })),
    );
    child.on('exit', (code, signal) => {
      if (this.state !== 'closed') {
        this.finish(new McpLocalError(LocalErrorCode.ConnectionClosed, `Server process exited (${signal ?? `code ${code}`})`));
      }
    });
  }

  /** The stdio shutdown sequence: close stdin, wait, then SIGTERM, then SIGKILL. */
  protected override async closeStreams(): Promise<void> {
    const child = this.process;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.stdin?.end();
    const escalate = async (signal: NodeJS.Signals): Promise<boolean> => {
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.#graceMs))),
      ]);
      clearTimeout(timer);
      if (!done) child.kill(signal);
      return done;
    };
    if (!(await escalate('SIGTERM'))) await escalate('SIGKILL');
    this.finish();
  }
}
