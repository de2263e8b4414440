/**
 * The heap of another Node process, measured after a full garbage collection, through the
 * inspector protocol: start the process with `--inspect=127.0.0.1:0`, give `inspect()` the
 * `ws://` URL it prints on stderr. Lets a test tell memory kept from garbage not yet collected.
 */
import WebSocket from 'ws';

export class HeapProbe {
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
  static async connect(url: string): Promise<HeapProbe> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new HeapProbe(socket);
  }

  #send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.#id;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Bytes of heap in use after a full collection. */
  async usedAfterGc(): Promise<number> {
    await this.#send('HeapProfiler.collectGarbage');
    await this.#send('HeapProfiler.collectGarbage');
    const { result } = await this.#send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
    return result.value as number;
  }

  close(): void {
    this.#socket.close();
  }
}
