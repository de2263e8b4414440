/**
 * The heap of another Node process, measured after a full garbage collection, through the
 * inspector protocol (inspector.ts). Lets a test tell memory kept from garbage not yet collected.
 */
import { Inspector } from './inspector.ts';
import { inspectorUrl, startServe, stopServe, type Served } from './served.ts';

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

/** Starts `mcp-core serve --demo ARGS` (env as startServe's) with the inspector on, and probes its heap. */
export async function serveWithHeap(args: string[], env: Record<string, string> = {}): Promise<{ served: Served; heap: HeapProbe }> {
  const served = await startServe(args, env, ['--inspect=127.0.0.1:0']);
  return { served, heap: await HeapProbe.connect(await inspectorUrl(served)) };
}

/** Stops what {@link serveWithHeap} started. */
export async function stopWithHeap(served: Served, heap: HeapProbe): Promise<void> {
  heap.close();
  await stopServe(served);
}
