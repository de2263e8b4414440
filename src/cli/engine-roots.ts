/**
 * The roots of the program that started the engine (it says `"roots": true` in its start
 * message): what the gateway's upstreams get when they ask for roots (`roots/list`) outside any
 * call, or in a way no call can be told from. They are the program's to give: the engine asks
 * it, as a server-to-client request of its session on the manager channel, each time.
 *
 * Upstreams connect before the program's handshake (the engine answers the start message once
 * they have), and a 2025 server often asks for roots as soon as it is initialized, so a
 * question that comes first waits for the program's `notifications/initialized`.
 */
import type { InputContext } from '../client/input.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { Method } from '../protocol/methods.ts';
import type { ListRootsResult } from '../protocol/types.ts';
import { ErrorCode, McpError } from '../protocol/wire-errors.ts';
import type { ServerConnection } from '../server/connection.ts';

/**
 * @example
 * const roots = new ProgramRoots();
 * const serving = await serve(config, { ..., manager: { onListRoots: roots.list } });
 * roots.attach(new ServerConnection(serving.server, pipe.manager), 60_000);
 * // and on the program's notifications/initialized:
 * roots.initialized();
 */
export class ProgramRoots {
  #connection: ServerConnection | undefined;
  #timeoutMs: number;
  #ready: boolean;
  /** Questions that came before the program's handshake. */
  #waiting: Array<() => void>;

  constructor() {
    this.#connection = undefined;
    this.#timeoutMs = 0;
    this.#ready = false;
    this.#waiting = [];
  }

  /** The manager channel's connection, and how long the program may take to answer. */
  attach(connection: ServerConnection, timeoutMs: number): void {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
  }

  /** The program finished its handshake: its session says whether it has roots. */
  initialized(): void {
    this.#ready = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const wake of waiting) wake();
  }

  /** Answers an upstream's `roots/list` with the program's roots (`ManagerOptions.onListRoots`). */
  readonly list = async ({ signal }: InputContext): Promise<ListRootsResult> => {
    if (!this.#ready) await this.#handshake(signal);
    const connection = this.#connection;
    const session = connection?.session;
    if (connection === undefined || session === undefined || session.clientCapabilities.roots === undefined) {
      throw new McpError(ErrorCode.MethodNotFound, 'The program that runs the engine lists no roots');
    }
    const result = await session.request((message) => connection.send(message), Method.RootsList, undefined, { signal, timeoutMs: this.#timeoutMs });
    return result as unknown as ListRootsResult;
  };

  #handshake(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new McpLocalError(LocalErrorCode.Cancelled, 'roots/list was withdrawn'));
      const onAbort = () => {
        this.#waiting = this.#waiting.filter((wake) => wake !== ready);
        reject(new McpLocalError(LocalErrorCode.Cancelled, 'roots/list was withdrawn'));
      };
      const ready = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(ready);
    });
  }
}
