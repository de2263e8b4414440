/**
 * `subscriptions/listen` (spec 2026-07-28, basic/patterns/subscriptions): a request that stays
 * open and carries the change notifications the client opted in to, each tagged with the
 * subscription's id (the request's own id).
 */
import { describeValue, isObject } from '../../protocol/guards.ts';
import type { JsonRpcNotification, Params } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { MetaKey } from '../../protocol/meta.ts';
import { Notification } from '../../protocol/methods.ts';
import { invalidParams } from '../../protocol/wire-errors.ts';
import type { RequestContext } from '../context.ts';
import type { ServerCore } from '../core.ts';
import type { ListKind, Listener } from '../notifier.ts';

/** Reads the filter and keeps only what this server can deliver. */
function agree(core: ServerCore, filter: Record<string, unknown>): { lists: Set<ListKind>; uris: Set<string>; acknowledged: Params } {
  const capabilities = core.capabilities;
  const lists = new Set<ListKind>();
  const acknowledged: Params = {};
  if (filter.toolsListChanged === true && capabilities.tools?.listChanged) {
    lists.add('tools');
    acknowledged.toolsListChanged = true;
  }
  if (filter.promptsListChanged === true && capabilities.prompts?.listChanged) {
    lists.add('prompts');
    acknowledged.promptsListChanged = true;
  }
  if (filter.resourcesListChanged === true && capabilities.resources?.listChanged) {
    lists.add('resources');
    acknowledged.resourcesListChanged = true;
  }
  const uris = resourceSubscriptions(core, filter.resourceSubscriptions);
  if (uris.size > 0 && capabilities.resources?.subscribe) acknowledged.resourceSubscriptions = [...uris];
  else uris.clear();
  return { lists, uris, acknowledged };
}

/**
 * The URIs a listen asks to follow, within the bounds a legacy session's subscriptions have
 * (`server.sessionLimits.maxSubscriptions`, `maxSessionDataBytes`): the listener holds them as
 * long as its stream is open, and its stream holds one update per URI while the client is not
 * reading (held-messages.ts), so the stream keeps every update within its bound.
 */
export function resourceSubscriptions(core: ServerCore, value: unknown): Set<string> {
  const uris = new Set<string>();
  if (value === undefined) return uris;
  if (!Array.isArray(value)) throw invalidParams('Invalid params: "notifications.resourceSubscriptions" must be an array of URIs');
  let bytes = 0;
  for (const uri of value) {
    if (typeof uri !== 'string') throw invalidParams(`Invalid params: "notifications.resourceSubscriptions" must hold URI strings, not ${describeValue(uri)}`);
    if (uris.has(uri)) continue;
    if (uris.size >= core.maxSubscriptions) {
      const named = new Set(value.filter((entry) => typeof entry === 'string')).size;
      throw invalidParams(`Invalid params: "notifications.resourceSubscriptions" names ${named} resources; one listen may follow at most ${core.maxSubscriptions}`);
    }
    bytes += uri.length;
    if (bytes > core.maxSessionDataBytes) {
      throw invalidParams(`Invalid params: the URIs of "notifications.resourceSubscriptions" take more than ${core.maxSessionDataBytes} bytes`);
    }
    uris.add(uri);
  }
  return uris;
}

export function listen(core: ServerCore, params: Params, ctx: RequestContext, closing: AbortSignal): Promise<Record<string, unknown>> {
  const filter = params.notifications ?? {};
  if (!isObject(filter)) throw invalidParams('Invalid params: "notifications" must be an object');
  const { lists, uris, acknowledged } = agree(core, filter);
  const subscriptionMeta = { [MetaKey.SubscriptionId]: ctx.id };
  ctx.notify(Notification.SubscriptionsAcknowledged, { _meta: subscriptionMeta, notifications: acknowledged });
  const listener: Listener = {
    subscriptionId: ctx.id,
    lists,
    uris,
    deliver: (notification: JsonRpcNotification) => ctx.notify(notification.method, notification.params),
  };
  core.notifier.listen(listener);
  return new Promise((resolve, reject) => {
    const end = () => {
      core.notifier.unlisten(listener);
      ctx.signal.removeEventListener('abort', end);
      closing.removeEventListener('abort', end);
      // Client cancelled: no response. Server closing: the graceful completion result.
      if (ctx.signal.aborted) reject(new McpLocalError(LocalErrorCode.Cancelled, 'Subscription cancelled'));
      else resolve({ _meta: subscriptionMeta });
    };
    if (ctx.signal.aborted || closing.aborted) return end();
    ctx.signal.addEventListener('abort', end, { once: true });
    closing.addEventListener('abort', end, { once: true });
  });
}
