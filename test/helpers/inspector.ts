/**
 * Another Node process seen through the inspector protocol: start it with
 * `--inspect=127.0.0.1:0` and connect to the `ws://` URL it prints on stderr. What a test can
 * only see from inside the process (its heap, how often a function ran) without the process
 * being changed for the test.
 */
import WebSocket from 'ws';

export class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (result: any) => void>();
  #id = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      this.#pending.get(message.id)?.(message.result);
      this.#pending.delete(message.id);
    });
  }

  /** Connects to the inspector at `url` (from the "Debugger listening on ws://..." line). */
  static async connect(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new Inspector(socket);
  }

  /** One command of the protocol, and its result. */
  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.#id;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.#socket.close();
  }
}

/**
 * Counts calls of functions by name, through V8's precise coverage: from `start()`, every call
 * is counted; each `take()` answers the counts since the previous one (or since `start()`).
 *
 * @example
 * const calls = await CallCounter.start(inspector);
 * // ... traffic ...
 * const runs = await calls.take('src/observability/health.ts', '#run');
 */
export class CallCounter {
  readonly #inspector: Inspector;

  private constructor(inspector: Inspector) {
    this.#inspector = inspector;
  }

  static async start(inspector: Inspector): Promise<CallCounter> {
    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    return new CallCounter(inspector);
  }

  /** Calls, since the last take, of the functions named `name` in the script whose URL ends with `file`. */
  async take(file: string, name: string): Promise<number> {
    const { result } = (await this.#inspector.send('Profiler.takePreciseCoverage')) as { result: ScriptCoverage[] };
    let calls = 0;
    for (const script of result.filter((s) => s.url.endsWith(file))) {
      for (const fn of script.functions.filter((f) => f.functionName === name)) calls += fn.ranges[0].count;
    }
    return calls;
  }
}

interface ScriptCoverage {
  url: string;
  functions: Array<{ functionName: string; ranges: Array<{ count: number }> }>;
}
