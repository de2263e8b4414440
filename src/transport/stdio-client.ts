/**
 * The stdio binding, client side: launches an MCP server as a child process and speaks
 * newline-delimited JSON over its pipes (spec 2026-07-28, basic/transports/stdio).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { checkTimerMs } from '../protocol/timer-limit.ts';
import { reportError } from '../protocol/error-report.ts';
import type { JsonRpcMessage } from '../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from './ndjson.ts';
import { junkAroundMessages, messagesInLine } from './junk-around-messages.ts';
import { terminalText } from '../protocol/terminal-text.ts';
import { StderrLines, type StderrBudget } from './stderr-lines.ts';
import { StreamTransport, type StreamTransportOptions } from './stream.ts';
import { within } from './within.ts';

export interface StdioClientOptions extends StreamTransportOptions {
  command: string;
  args?: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /**
   * The server's stderr. `'inherit'` (default) copies it to this process's stderr so its logs
   * stay visible; `'pipe'` leaves it to you on `transport.process.stderr`; `'ignore'` drops it.
   * With the first two, the end of it is kept to explain an unexpected exit.
   */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  /**
   * With `'inherit'`, each line of the server's stderr is copied whole, after this prefix
   * (e.g. `'[files] '`), in one write: a line of the server's can then neither pass for one of
   * this process's own log (a forged JSON record) nor run into one (a line left without its
   * newline would glue itself to the next record this process writes). Its control characters
   * (escape sequences, carriage returns; all but TAB) are written as visible text (`\x1b`), so
   * that none reaches a terminal raw. A line longer than 8 KiB is copied in pieces, each
   * prefixed. Without it, stderr is copied as it comes. See stderr-lines.ts.
   */
  stderrPrefix?: string;
  /**
   * With `stderrPrefix`: how much of the server's stderr is copied at most (bytes per second,
   * and a burst); past it, lines are dropped and every 10 s a line says how many bytes were.
   * Unlimited by default.
   */
  stderrBudget?: StderrBudget;
  /**
   * How long to wait after closing stdin before SIGTERM, then as long again before SIGKILL.
   * Default 2000 ms. At most 2147483647
   * (2^31 - 1 ms, about 24.8 days, the longest a timer holds): a longer one is refused with a
   * RangeError.
   */
  shutdownGraceMs?: number;
  /**
   * Starts the server as the leader of a process group of its own (POSIX) and signals the whole
   * group, so processes it started itself (an `npx` wrapper's child, a shell's) go with it.
   * Default false.
   */
  processGroup?: boolean;
}

/** How much of the end of the server's stderr an exit error quotes, in bytes. */
const STDERR_TAIL = 2000;

/**
 * The client's side: launches the server as a child process and speaks over its pipes. When
 * the server goes away on its own, the transport closes with an error that says how
 * (`Server process exited (code 1): <end of its stderr>`), and a server that closed its
 * stdout but kept running is stopped: no child outlives its transport.
 *
 * @example
 * const transport = new StdioClientTransport({ command: 'mcp-core', args: ['serve', '--stdio', '--demo'] });
 * await client.connect(transport);
 */
export class StdioClientTransport extends StreamTransport {
  readonly process: ChildProcess;
  readonly #graceMs: number;
  /** Bytes that may wait to be written to the server before messages are refused. */
  readonly #maxWaitingBytes: number;
  readonly #group: boolean;
  /** Settles when the process has exited. */
  readonly #exited: Promise<void>;
  /** Settles when the server's stdout has ended (every message it wrote has been read). */
  readonly #drained: Promise<void>;
  /** The end of the server's stderr (at most STDERR_TAIL bytes), to explain an exit. */
  #stderrTail: Buffer;
  #closeRequested: boolean;
  #lost: Promise<void> | undefined;

  constructor(options: StdioClientOptions) {
    // Before the process starts: a refused option must leave nothing running.
    checkTimerMs('shutdownGraceMs', options.shutdownGraceMs);
    const stderr = options.stderr ?? 'inherit';
    const child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      // 'inherit' is piped and copied, so the end of it can explain an exit.
      stdio: ['pipe', 'pipe', stderr === 'ignore' ? 'ignore' : 'pipe'],
      windowsHide: true,
      detached: options.processGroup === true && process.platform !== 'win32',
    });
    // Requests of many callers, each sent from a callback of its own, leave in one write per turn.
    super(child.stdout!, child.stdin!, { coalesceWrites: true, ...options });
    this.process = child;
    this.#graceMs = options.shutdownGraceMs ?? 2000;
    this.#maxWaitingBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#group = options.processGroup === true && process.platform !== 'win32';
    this.#stderrTail = Buffer.alloc(0);
    this.#closeRequested = false;
    this.#lost = undefined;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.#drained = new Promise((resolve) => {
      child.stdout!.once('end', resolve);
      child.stdout!.once('close', resolve);
    });
    if (child.stderr) {
      const prefix = stderr === 'inherit' ? options.stderrPrefix : undefined;
      const lines = prefix === undefined ? undefined : new StderrLines({ prefix, budget: options.stderrBudget, write: (text) => process.stderr.write(text) });
      // Lines are read as bytes: what the budget drops is never decoded.
      if (lines === undefined) child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string | Buffer) => {
        if (lines !== undefined) lines.write(chunk as Buffer);
        else if (stderr === 'inherit') process.stderr.write(chunk);
        this.#keepTail(chunk);
      });
      // The last line, if the server ended without its newline, and what was dropped.
      if (lines !== undefined) child.stderr.once('end', () => lines.end());
    }
    child.on('error', (error) =>
      super.finish(new McpLocalError(LocalErrorCode.ConnectionClosed, `Could not start ${options.command}: ${error.message}`, { cause: error })),
    );
    child.on('exit', () => {
      // What the server started and left behind has no one else to stop it.
      this.signal('SIGKILL');
      this.finish();
    });
  }

  /**
   * A line of the server's that is not JSON may hold messages with text glued to them (a banner
   * or an escape sequence written without a newline, a message written without its own), or
   * more than one message: each message is read, in order, and the line reported as a frame
   * error. Only this side does so; see junk-around-messages.ts for why a server does not.
   */
  protected override notJson(text: string, error: Error): void {
    const found = messagesInLine(text);
    if (found === undefined) return super.notJson(text, error);
    this.receiver?.onFrameError(junkAroundMessages(found));
    for (const message of found.messages) this.receiver?.onMessage(message);
  }

  /** Keeps the last STDERR_TAIL bytes of the server's stderr. */
  #keepTail(chunk: string | Buffer): void {
    const piece = typeof chunk === 'string' ? Buffer.from(chunk.length > STDERR_TAIL ? chunk.slice(-STDERR_TAIL) : chunk) : chunk;
    const tail = piece.length >= STDERR_TAIL ? piece.subarray(piece.length - STDERR_TAIL) : Buffer.concat([this.#stderrTail, piece]);
    // A copy: a view would keep the whole chunk alive.
    this.#stderrTail = Buffer.from(tail.subarray(Math.max(0, tail.length - STDERR_TAIL)));
  }

  /**
   * Refuses a message while more than `maxMessageBytes` already wait to be written: a server
   * that stops reading its input must not make the client hold every request sent to it (each
   * would time out, its bytes still held). A refused request fails at once with
   * MCP_ERR_OVERLOADED (nothing reached the server).
   */
  override send(message: JsonRpcMessage): boolean {
    const waiting = this.output.writableLength + this.heldLength;
    if (waiting <= this.#maxWaitingBytes || this.state !== 'open') return super.send(message);
    this.receiver?.onSendError?.(message, new McpLocalError(LocalErrorCode.Overloaded, `The server is not reading its input: ${waiting} bytes wait to be written to it`));
    return false;
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

  /**
   * Every way the connection can end but close() (stdout ended, a pipe broke, the process
   * exited) comes here: wait for the process to exit and its last output to be read, then
   * close with the reason.
   */
  protected override finish(error?: Error): void {
    if (this.#closeRequested || this.state === 'closed') return super.finish(error);
    this.#lost ??= this.#reportExit(error).catch((failure: unknown) => reportError(failure, { operation: 'stdio client exit' }));
  }

  async #reportExit(cause: Error | undefined): Promise<void> {
    const settled = await within(Promise.all([this.#exited, this.#drained]).then(() => true), this.#graceMs);
    if (this.state === 'closed') return; // the process never started, or close() took over
    const child = this.process;
    if (child.exitCode === null && child.signalCode === null) {
      // Stdout ended or broke while the process runs on: it can no longer serve; stop it.
      await this.#stop();
      return super.finish(new McpLocalError(LocalErrorCode.ConnectionClosed, `Server closed its output${cause ? ` (${cause.message})` : ''}; stopped it`, { cause }));
    }
    if (!settled) this.input.destroy(); // exited, but a grandchild holds stdout open
    const how = child.signalCode ?? `code ${child.exitCode}`;
    // Its control characters made visible: the reason may be shown on a terminal.
    const tail = terminalText(this.#stderrTail.toString('utf8')).trim();
    super.finish(new McpLocalError(LocalErrorCode.ConnectionClosed, `Server process exited (${how})${tail ? `: ${tail}` : ''}`, { cause }));
  }

  /** The stdio shutdown sequence: close stdin, wait, then SIGTERM, then SIGKILL. */
  async #stop(): Promise<void> {
    const child = this.process;
    if (child.pid === undefined) return; // never started
    const exited = this.#exited.then(() => true);
    child.stdin?.end();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (await within(exited, this.#graceMs)) return;
      this.signal(signal);
    }
    await within(exited, this.#graceMs);
  }

  protected override async closeStreams(): Promise<void> {
    this.#closeRequested = true;
    await this.#stop();
    super.finish();
  }
}
