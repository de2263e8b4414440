/**
 * The client's cache of results that carry `ttlMs` (spec 2026-07-28, server/utilities/caching):
 * the lists of tools, prompts, resources and resource templates, and `resources/read`.
 * A result is fresh for `ttlMs` after
 * it arrived; a list_changed notification makes that list stale at once, and
 * `notifications/resources/updated` the resource it names. Each page of a list is its own
 * entry, keyed by its cursor. Results of multi round-trip retries are never cached.
 *
 * One client is one authorization context, so `private` results are cached too; a result
 * served from the cache keeps its `cacheScope`, and its `ttlMs` is what is left of its
 * freshness, so a gateway passing it on tells its own clients the truth.
 */
import { Method, Notification } from '../protocol/methods.ts';
import type { Params } from '../protocol/jsonrpc.ts';

type Result = Record<string, unknown>;

/** The notification that makes each cacheable method's results stale. */
const INVALIDATED_BY: ReadonlyMap<string, string> = new Map([
  [Method.ToolsList, Notification.ToolsListChanged],
  [Method.PromptsList, Notification.PromptsListChanged],
  [Method.ResourcesList, Notification.ResourcesListChanged],
  [Method.ResourcesTemplatesList, Notification.ResourcesListChanged],
  [Method.ResourcesRead, Notification.ResourcesUpdated],
]);

/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 512;
/** A resource whose contents exceed this many characters is not kept (the cache stays small). */
const MAX_CONTENTS = 1024 * 1024;

interface Entry {
  result: Result;
  expires: number;
}

export class ResultCache {
  readonly #entries: Map<string, Entry>;

  constructor() {
    this.#entries = new Map();
  }

  /**
   * The cache key of a request, or undefined when its result may not be cached: another
   * method, or parameters beyond the cursor (lists) or the uri (`resources/read`), such as
   * `inputResponses` (spec: Cache Key).
   */
  key(method: string, params: Params): string | undefined {
    if (!INVALIDATED_BY.has(method)) return undefined;
    const field = method === Method.ResourcesRead ? 'uri' : 'cursor';
    for (const name in params) if (name !== field && name !== '_meta') return undefined;
    const value = params[field];
    if (value === undefined) return method;
    return typeof value === 'string' ? `${method}\n${value}` : undefined;
  }

  /** A fresh result for `key`, its `ttlMs` lowered to what is left. */
  get(key: string): Result | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const left = entry.expires - performance.now();
    if (left <= 0) {
      this.#entries.delete(key);
      return undefined;
    }
    return { ...entry.result, ttlMs: Math.floor(left) };
  }

  /** Keeps `result` if it says it stays fresh (`ttlMs` > 0) and is final. */
  set(key: string, result: Result): void {
    const ttlMs = result.ttlMs;
    this.#entries.delete(key);
    if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !Number.isFinite(ttlMs)) return;
    if (result.resultType !== undefined && result.resultType !== 'complete') return;
    if (contentsSize(result.contents) > MAX_CONTENTS) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { result, expires: performance.now() + ttlMs });
  }

  /** A notification from the server: drops what it makes stale. */
  invalidate(method: string, params: Params | undefined): void {
    if (method === Notification.ResourcesUpdated) {
      const uri = params?.uri;
      if (typeof uri === 'string') this.#entries.delete(`${Method.ResourcesRead}\n${uri}`);
      return;
    }
    for (const [cached, notification] of INVALIDATED_BY) {
      if (notification !== method) continue;
      for (const key of this.#entries.keys()) if (key === cached || key.startsWith(`${cached}\n`)) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Characters of a `resources/read` result's text and blobs (0 for other results). */
function contentsSize(contents: unknown): number {
  if (!Array.isArray(contents)) return 0;
  let size = 0;
  for (const item of contents as Array<{ text?: unknown; blob?: unknown }>) {
    if (typeof item?.text === 'string') size += item.text.length;
    if (typeof item?.blob === 'string') size += item.blob.length;
  }
  return size;
}
