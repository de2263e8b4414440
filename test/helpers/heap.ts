/**
 * The heap of another Node process, measured after a full garbage collection, through the
 * inspector protocol (inspector.ts). Lets a test tell memory kept from garbage not yet collected.
 */
import { Inspector } from './inspector.ts';

export class HeapProbe {
  readonly #inspector: Inspector;

  private constructor(inspector: Inspector) {
    this.#inspector = inspector;
  }

  /** Connects to the inspector at `url` (from the "Debugger listening on ws://..." line). */
  static async connect(url: string): Promise<HeapProbe> {
    return new HeapProbe(await Inspector.connect(url));
  }

  /** Bytes of heap in use after a full collection. */
  async usedAfterGc(): Promise<number> {
    await this.#inspector.send('HeapProfiler.collectGarbage');
    await this.#inspector.send('HeapProfiler.collectGarbage');
    const { result } = await this.#inspector.send('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true });
    return result.value as number;
  }

  close(): void {
    this.#inspector.close();
  }
}
