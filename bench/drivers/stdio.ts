/**
 * A raw newline-delimited JSON-RPC driver for stdio servers: no MCP client library, so every
 * peer is driven by the same neutral code. It spawns the server, does the handshake the era
 * needs, then keeps a fixed number of requests in flight and times each one.
 *
 * A request's latency runs from its write to the arrival of the newline that ends its reply,
 * before the driver parses it, so checking large replies does not count against the server.
 * Every reply is still parsed and checked (id, no error, expected result) before it counts.
 */
import type { Writable } from 'node:stream';
import { checkReply, type ResultCheck } from '../lib/check.ts';
import { startProcess, type Command, type ServerProcess } from '../lib/process.ts';
import { forEra, INITIALIZED_NOTIFICATION, initializeCall, type Era, type RpcCall } from '../lib/protocol.ts';
import { summarize } from '../lib/stats.ts';
import type { LoadResult } from './result.ts';

type ReplyHandler = (reply: unknown, receivedAt: number) => void;

export interface StdioLoad {
  call: RpcCall;
  check: ResultCheck;
  /** Requests kept in flight: a new one is written as each reply arrives. */
  inflight: number;
  durationMs: number;
  /** Keep going past the duration until this many replies have arrived (large payloads). */
  minRequests?: number;
  /** Stop after this many requests even if time is left. */
  maxRequests?: number;
}

/** Replies after the duration are waited for this long before they count as lost. */
const DRAIN_MS = 30_000;
/** A load with no reply for this long is abandoned. */
const STALL_MS = 60_000;
/** Tails at most this long are joined to the id prefix into one write. */
const JOIN_LIMIT = 64 * 1024;

export class StdioDriver {
  readonly era: Era;
  readonly #server: ServerProcess;
  readonly #stdin: Writable;
  readonly #pending = new Map<number, ReplyHandler>();
  #parts: Buffer[] = [];
  #nextId = 1;
  /** Lines that were not JSON, or replies to no request we sent. */
  #strays = 0;
  #strayReason = '';
  #exitReason: string | undefined;
  #onExit: (() => void) | undefined;
  /** Calls waiting for their reply, failed at once if the server exits. */
  readonly #callsWaiting = new Set<() => void>();

  private constructor(server: ServerProcess, era: Era) {
    this.era = era;
    this.#server = server;
    this.#stdin = server.child.stdin!;
    // A server that exits early closes the pipe; the failure is reported through the load.
    this.#stdin.on('error', () => {});
    server.child.stdout!.on('data', (chunk: Buffer) => this.#onData(chunk));
    void server.exited.then(({ code, signal }) => {
      this.#exitReason = `server exited (${signal ?? `code ${code}`})${server.stderrTail() ? `: ${server.stderrTail().slice(-600)}` : ''}`;
      this.#onExit?.();
      for (const fail of this.#callsWaiting) fail();
    });
  }

  /** Spawns the server without any handshake (the caller times the first reply). */
  static spawn(cmd: Command, era: Era): StdioDriver {
    return new StdioDriver(startProcess(cmd, 'pipe'), era);
  }

  /** Spawns the server and does the handshake its era needs (legacy: initialize + initialized). */
  static async open(cmd: Command, era: Era, timeoutMs = 30_000): Promise<StdioDriver> {
    const driver = StdioDriver.spawn(cmd, era);
    try {
      if (era === 'legacy') {
        const { reply } = await driver.call(initializeCall(), timeoutMs);
        const result = (reply as { result?: { protocolVersion?: unknown } }).result;
        if (typeof result?.protocolVersion !== 'string') throw new Error(`initialize failed: ${JSON.stringify(reply).slice(0, 300)}`);
        driver.#write(`${JSON.stringify(INITIALIZED_NOTIFICATION)}\n`);
      }
      return driver;
    } catch (error) {
      await driver.close();
      throw error;
    }
  }

  get pid(): number {
    return this.#server.pid;
  }

  /** Sends one request (with the era's envelope, unless it is initialize) and waits for its reply. */
  call(call: RpcCall, timeoutMs: number): Promise<{ reply: unknown; receivedAt: number }> {
    const id = this.#nextId++;
    const framed = call.method === 'initialize' ? call : forEra(call, this.era);
    return new Promise((resolve, reject) => {
      if (this.#exitReason !== undefined) return reject(new Error(this.#exitReason));
      const fail = () => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new Error(this.#exitReason));
      };
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#callsWaiting.delete(fail);
        reject(new Error(`no reply to ${call.method} within ${timeoutMs} ms${this.#exitReason ? `; ${this.#exitReason}` : ''}`));
      }, timeoutMs);
      this.#callsWaiting.add(fail);
      this.#pending.set(id, (reply, receivedAt) => {
        clearTimeout(timer);
        this.#callsWaiting.delete(fail);
        resolve({ reply, receivedAt });
      });
      this.#write(`${JSON.stringify({ jsonrpc: '2.0', id, method: framed.method, params: framed.params })}\n`);
    });
  }

  /** Keeps `inflight` requests going for the duration; see {@link StdioLoad}. */
  load(options: StdioLoad): Promise<LoadResult> {
    const framed = forEra(options.call, this.era);
    // Everything after the id is the same for every request: encode it once.
    const tailText = `,"method":${JSON.stringify(framed.method)},"params":${JSON.stringify(framed.params)}}\n`;
    const tailBytes = tailText.length > JOIN_LIMIT ? Buffer.from(tailText) : undefined;
    const latencies: number[] = [];
    const problems: string[] = [];
    const straysBefore = this.#strays;
    let ok = 0;
    let failed = 0;
    let sent = 0;
    let inflight = 0;
    let stopping = false;
    const start = performance.now();
    const deadline = start + options.durationMs;
    let lastReplyAt = start;

    return new Promise<LoadResult>((resolve) => {
      let settled = false;
      const finish = (failure?: string) => {
        if (settled) return;
        settled = true;
        clearInterval(watchdog);
        this.#onExit = undefined;
        for (const id of pendingIds) this.#pending.delete(id);
        const lost = inflight;
        const strays = this.#strays - straysBefore;
        if (strays > 0) problems.push(`${strays} stray lines (${this.#strayReason})`);
        if (lost > 0) problems.push(`${lost} requests got no reply`);
        const seconds = (lastReplyAt - start) / 1000;
        resolve({
          ok,
          errors: failed + lost + strays,
          problems: [...new Set(problems)].slice(0, 5),
          rps: seconds > 0 ? ok / seconds : 0,
          latency: summarize(latencies),
          seconds,
          failure,
        });
      };
      const pendingIds = new Set<number>();
      const more = () => {
        if (stopping) return false;
        if (options.maxRequests !== undefined && sent >= options.maxRequests) return false;
        if (performance.now() < deadline) return true;
        return options.minRequests !== undefined && ok + failed < options.minRequests;
      };
      const send = () => {
        const id = this.#nextId++;
        const sentAt = performance.now();
        pendingIds.add(id);
        this.#pending.set(id, (reply, receivedAt) => {
          pendingIds.delete(id);
          inflight--;
          lastReplyAt = receivedAt;
          latencies.push(receivedAt - sentAt);
          const problem = checkReply(reply, id, options.check);
          if (problem === undefined) ok++;
          else {
            failed++;
            if (problems.length < 20) problems.push(problem);
          }
          if (more()) send();
          else {
            stopping = true;
            if (inflight === 0) finish();
          }
        });
        inflight++;
        sent++;
        if (tailBytes === undefined) this.#write(`{"jsonrpc":"2.0","id":${id}${tailText}`);
        else {
          this.#write(`{"jsonrpc":"2.0","id":${id}`);
          this.#write(tailBytes);
        }
      };
      let lastOk = 0;
      let lastProgressAt = performance.now();
      const watchdog = setInterval(() => {
        const now = performance.now();
        if (ok + failed !== lastOk) {
          lastOk = ok + failed;
          lastProgressAt = now;
        }
        if (stopping && now - lastReplyAt > DRAIN_MS) finish();
        else if (now - lastProgressAt > STALL_MS) finish(`stalled: no reply for ${STALL_MS / 1000} s`);
      }, 250);
      this.#onExit = () => finish(this.#exitReason);
      if (this.#exitReason !== undefined) return finish(this.#exitReason);
      this.#stdin.cork();
      for (let i = 0; i < options.inflight; i++) send();
      this.#stdin.uncork();
    });
  }

  /** Closes stdin (the stdio shutdown signal), then makes sure the process is gone. */
  async close(): Promise<void> {
    this.#stdin.end();
    const timer = setTimeout(() => void this.#server.stop(), 2000);
    await this.#server.exited;
    clearTimeout(timer);
  }

  #write(data: string | Buffer): void {
    this.#stdin.write(data);
  }

  #onData(chunk: Buffer): void {
    const receivedAt = performance.now();
    // Writes made while handling this chunk's replies go out together.
    this.#stdin.cork();
    let start = 0;
    let newline = chunk.indexOf(10);
    while (newline !== -1) {
      let line: Buffer;
      if (this.#parts.length === 0) line = chunk.subarray(start, newline);
      else {
        this.#parts.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.#parts);
        this.#parts = [];
      }
      this.#onLine(line, receivedAt);
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.#parts.push(chunk.subarray(start));
    this.#stdin.uncork();
  }

  #onLine(line: Buffer, receivedAt: number): void {
    if (line.length === 0 || (line.length === 1 && line[0] === 13)) return;
    let message: { id?: unknown; method?: unknown };
    try {
      message = JSON.parse(line.toString('utf8'));
    } catch {
      this.#stray('a line that is not JSON');
      return;
    }
    // Requests and notifications from the server are not replies; none are expected here.
    if (message.method !== undefined) return;
    const handler = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
    if (handler === undefined) {
      this.#stray(`a reply with unknown id ${JSON.stringify(message.id)}: ${line.toString('utf8').slice(0, 200)}`);
      return;
    }
    this.#pending.delete(message.id as number);
    handler(message, receivedAt);
  }

  #stray(reason: string): void {
    this.#strays++;
    this.#strayReason = reason;
  }
}
