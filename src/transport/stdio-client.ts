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
  /**
   * Starts the server as the leader of a process group of its own (POSIX) and signals the whole
   * group, so processes it started itself (an `npx` wrapper's child, a shell's) go with it.
   * Default false.
   */
  processGroup?: boolean;
}

/** The client's side: launches the server as a child process and speaks over its pipes. */
export class StdioClientTransport extends StreamTransport {
  readonly process: ChildProcess;
  readonly #graceMs: number;
  readonly #group: boolean;

  constructor(options: StdioClientOptions) {
    const child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
      windowsHide: true,
      detached: options.processGroup === true && process.platform !== 'win32',
    });
    super(child.stdout!, child.stdin!, options);
    this.process = child;
    this.#graceMs = options.shutdownGraceMs ?? 2000;
    this.#group = options.processGroup === true && process.platform !== 'win32';
    child.on('error', (error) =>
      this.finish(new McpLocalError(LocalErrorCode.ConnectionClosed, `Could not start ${options.command}: ${error.message}`, { cause: error })),
    );
    child.on('exit', (code, signal) => {
      // What the server started and left behind has no one else to stop it.
      this.signal('SIGKILL');
      if (this.state !== 'closed') {
        this.finish(new McpLocalError(LocalErrorCode.ConnectionClosed, `Server process exited (${signal ?? `code ${code}`})`));
      }
    });
  }

  /**
   * Sends `signal` to the server (and its process group, with `processGroup`). Synchronous, so
   * it may be called from a process 'exit' handler.
   */
  signal(signal: NodeJS.Signals): void {
    const pid = this.process.pid;
    if (pid === undefined) return;
    try {
      if (this.#group) process.kill(-pid, signal);
      else if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    } catch {
      // ESRCH: nothing is left to signal.
    }
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
      if (!done) this.signal(signal);
      return done;
    };
    if (!(await escalate('SIGTERM'))) await escalate('SIGKILL');
    this.finish();
  }
}
