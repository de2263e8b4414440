/** A raw line-based peer for a server process's stdio, for tests that send malformed bytes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What a waiting next() is given when stdout ends. */
const ENDED = Symbol('ended');

export class RawStdio {
  readonly process: ChildProcess;
  readonly #lines: unknown[] = [];
  #waiting: ((line: unknown) => void) | undefined;
  /** Resolves when stdout has ended. */
  readonly #ended: Promise<void>;
  #closed = false;
  stderr = '';

  constructor(command: string, args: string[]) {
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr!.on('data', (chunk) => (this.stderr += chunk));
    const lines = createInterface({ input: this.process.stdout! });
    this.#ended = new Promise((resolve) =>
      lines.once('close', () => {
        this.#closed = true;
        this.#take()?.(ENDED);
        resolve();
      }),
    );
    lines.on('line', (line) => {
      const value = JSON.parse(line);
      const waiting = this.#take();
      if (waiting !== undefined) waiting(value);
      else this.#lines.push(value);
    });
  }

  #take(): ((line: unknown) => void) | undefined {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    return waiting;
  }

  write(text: string): void {
    this.process.stdin!.write(text);
  }

  send(message: unknown): void {
    this.write(JSON.stringify(message) + '\n');
  }

  /**
   * The next message the server writes (every line must be JSON: stdout carries only MCP).
   * Fails at once when stdout ends first. The timeout is a generous bound for a server that
   * hangs, not a measure of speed: a loaded machine can take seconds to start a process.
   */
  next(timeoutMs = 60_000): Promise<any> {
    if (this.#lines.length > 0) return Promise.resolve(this.#lines.shift());
    if (this.#closed) return Promise.reject(new Error(`stdout ended before a message came; stderr: ${this.stderr}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`no message within ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.#waiting = (value) => {
        clearTimeout(timer);
        if (value === ENDED) reject(new Error(`stdout ended before a message came; stderr: ${this.stderr}`));
        else resolve(value);
      };
    });
  }

  /** Every message the server writes from now until its stdout ends. */
  async rest(): Promise<unknown[]> {
    await this.#ended;
    return this.#lines.splice(0);
  }

  /** Closes stdin (the stdio shutdown signal) and waits for the exit code. */
  close(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.process.exitCode !== null) return resolve(this.process.exitCode);
      this.process.once('exit', (code) => resolve(code));
      this.process.stdin!.end();
    });
  }
}
