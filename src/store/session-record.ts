/**
 * What a legacy session *is*, as plain data: what a store keeps and every process serving the
 * session reads. What the session *does* in one process (requests waiting for the client's
 * answer, open streams) is that process's own and never part of it.
 */
import { isObject } from '../protocol/guards.ts';
import type { ClientCapabilities, Implementation, LoggingLevel } from '../protocol/types.ts';
import { isLoggingLevel } from '../protocol/types.ts';

export interface SessionRecord {
  /** The Mcp-Session-Id. */
  id: string;
  /** The subject of the principal that opened the session; absent when it was opened anonymously. */
  owner?: string;
  /** Whose quota the session counts against: the owner, or the address it came from. */
  client: string;
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo?: Implementation;
  /** Set by `notifications/initialized`. */
  initialized: boolean;
  /** Minimum level from `logging/setLevel`; absent means the client asked for no filter. */
  logLevel?: LoggingLevel;
  /** Resource URIs from `resources/subscribe`. */
  subscriptions?: string[];
  /** Bytes of client data kept (capabilities, clientInfo, subscribed URIs), bounded by the server. */
  dataBytes: number;
  /** Last use, in ms since the epoch. */
  lastActive: number;
}

/**
 * A record read back from a store, checked field by field: a store shared by several processes
 * is outside this one, so what it hands back is checked before it is believed.
 */
export function parseSessionRecord(text: string): SessionRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const { id, owner, client, protocolVersion, clientCapabilities, clientInfo, initialized, logLevel, subscriptions, dataBytes, lastActive } = value;
  if (typeof id !== 'string' || typeof client !== 'string' || typeof protocolVersion !== 'string' || !isObject(clientCapabilities)) return undefined;
  if (typeof initialized !== 'boolean' || typeof dataBytes !== 'number' || typeof lastActive !== 'number') return undefined;
  if (owner !== undefined && typeof owner !== 'string') return undefined;
  if (clientInfo !== undefined && !isObject(clientInfo)) return undefined;
  if (logLevel !== undefined && !isLoggingLevel(logLevel)) return undefined;
  if (subscriptions !== undefined && !(Array.isArray(subscriptions) && subscriptions.every((uri) => typeof uri === 'string'))) return undefined;
  return value as unknown as SessionRecord;
}
