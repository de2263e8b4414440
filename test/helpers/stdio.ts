/** A raw line-based peer for a server process's stdio, for tests that send malformed bytes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class RawStdio {
  readonly process: ChildProcess;
  readonly #lines: unknown[] = [];
  #waiting: ((line: unknown) => void) | undefined;
  /** Resolves when stdout has ended. */
  readonly #ended: Promise<void>;
  stderr = '';

  constructor(command: string, args: string[]) {
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr!.on('data', (chunk) => (this.stderr += chunk));
    const lines = createInterface({ input: this.process.stdout! });
    this.#ended = new Promise((resolve) => lines.once('close', resolve));
    lines.on('line', (line) => {
      const value = JSON.parse(line);
      if (this.#waiting) {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting(value);
      } else {
        this.#lines.push(value);
      }
    });
  }

  write(text: string): void {
    this.process.stdin!.write(text);
  }

  send(message: unknown): void {
    this.write(JSON.stringify(message) + '\n');
  }

  /** The next message the server writes (every line must be JSON: stdout carries only MCP). */
  next(timeoutMs = 5000): Promise<any> {
    if (this.#lines.length > 0) return Promise.resolve(this.#lines.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.#waiting = (value) => {
        clearTimeout(timer);
        resolve(value);
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
