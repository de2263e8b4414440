/**
 * The bus: what processes serving one endpoint tell each other. Change notifications (so that
 * subscribers connected to any process hear of a change made in any other), and steering: an
 * answer or a cancellation that reached one process for a request another one is serving, a
 * session ended, a task cancelled or given input. Without one (a single process) nothing is
 * sent; with Redis it is pub/sub (store/redis/bus.ts).
 *
 * Delivery is at most once, and a process never receives its own messages. A message that is
 * lost costs what it carried (a notification, a steer), never the consistency of a store:
 * every process still reads sessions and tasks from the store itself.
 */
import type { JsonRpcResponse, RequestId } from '../protocol/jsonrpc.ts';
import type { SessionRecord } from './session-record.ts';

/** The lists whose changes are announced (`notifications/<kind>/list_changed`). */
export type ListKind = 'tools' | 'prompts' | 'resources';

export type BusMessage =
  /** A list changed in the process that sent it. */
  | { type: 'listChanged'; kind: ListKind }
  /** A resource changed (`notifications/resources/updated`). */
  | { type: 'resourceUpdated'; uri: string }
  /** A session's record changed (log level, subscriptions, initialized). */
  | { type: 'sessionChanged'; record: SessionRecord }
  /** A session ended (DELETE, eviction): every process lets go of what it holds for it. */
  | { type: 'sessionDeleted'; sessionId: string }
  /** The client's answer to a server-to-client request of this session, posted to another process. */
  | { type: 'answer'; sessionId: string; response: JsonRpcResponse }
  /** `notifications/cancelled` for a request of this session served by another process. */
  | { type: 'cancel'; sessionId: string; requestId: RequestId; reason: string }
  /** `tasks/cancel` for a task whose work runs in another process. */
  | { type: 'taskCancel'; taskId: string }
  /** `tasks/update` for a task whose work runs in another process. */
  | { type: 'taskInput'; taskId: string; responses: Record<string, unknown> };

export type BusListener = (message: BusMessage) => void;

export interface Bus {
  /** Sends to every other process. Never throws; a failure is reported by the bus. */
  publish(message: BusMessage): void;
  /** Hears every other process's messages until the returned function is called. */
  subscribe(listener: BusListener): () => void;
}
