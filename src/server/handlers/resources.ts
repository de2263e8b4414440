/** `resources/list`, `resources/templates/list`, `resources/read` and the legacy subscriptions. */
import { describeValue } from '../../protocol/guards.ts';
import type { Params } from '../../protocol/jsonrpc.ts';
import type { Resource } from '../../protocol/types.ts';
import { ErrorCode, McpError, invalidParams } from '../../protocol/wire-errors.ts';
import type { RequestContext } from '../context.ts';
import type { ServerCore } from '../core.ts';
import { Round } from '../mrtr.ts';
import { then } from '../then.ts';
import { emptyOnceSaved } from './lifecycle.ts';

type Result = Record<string, unknown>;
import { paginate } from '../pagination.ts';
import { toReadResult } from '../resources.ts';
import { MAX_MATCHED_URI_LENGTH } from '../uri-template.ts';

export async function listResources(core: ServerCore, params: Params, ctx: RequestContext): Promise<Record<string, unknown>> {
  let all: readonly Resource[] = core.resources.list();
  for (const template of core.templates.entries()) {
    if (template.enabled && template.listResources) all = all.concat(await template.listResources(ctx));
  }
  const page = paginate(all, params.cursor, core.pageSize);
  return page.nextCursor === undefined ? { resources: page.items } : { resources: page.items, nextCursor: page.nextCursor };
}

export function listResourceTemplates(core: ServerCore, params: Params): Record<string, unknown> {
  const page = paginate(core.templates.list(), params.cursor, core.pageSize);
  return page.nextCursor === undefined
    ? { resourceTemplates: page.items }
    : { resourceTemplates: page.items, nextCursor: page.nextCursor };
}

function requireUri(params: Params): string {
  const { uri } = params;
  if (typeof uri !== 'string' || uri === '') throw invalidParams('Invalid params: "uri" must be a non-empty string');
  return uri;
}

/**
 * Not found is -32602 in the modern era and -32002 in the legacy one, with the URI in `data`
 * either way (spec 2026-07-28 changelog, minor change 6).
 */
function notFound(uri: string, ctx: RequestContext): McpError {
  return new McpError(ctx.isModern ? ErrorCode.InvalidParams : ErrorCode.ResourceNotFound, `Resource not found: ${describeValue(uri)}`, { uri });
}

export function readResource(core: ServerCore, params: Params, ctx: RequestContext): Result | Promise<Result> {
  const uri = requireUri(params);
  const round = new Round(core.sealer, ctx, uri, undefined);
  const resource = core.resources.get(uri);
  if (resource) return round.run(() => then(resource.handler(uri, ctx), (output) => toReadResult(uri, resource.mimeType, output)));
  if (uri.length > MAX_MATCHED_URI_LENGTH) throw invalidParams(`Invalid params: "uri" is longer than ${MAX_MATCHED_URI_LENGTH} characters and names no resource`, { uri: describeValue(uri) });
  for (const template of core.templates.entries()) {
    if (!template.enabled) continue;
    const variables = template.template.match(uri);
    if (variables === undefined) continue;
    return round.run(() => then(template.handler(uri, variables, ctx), (output) => toReadResult(uri, template.mimeType, output)));
  }
  throw notFound(uri, ctx);
}

/** Whether `uri` names a resource this server has: registered, or matching a template. */
function isKnown(core: ServerCore, uri: string): boolean {
  if (core.resources.get(uri) !== undefined) return true;
  for (const template of core.templates.entries()) {
    if (template.enabled && template.template.match(uri) !== undefined) return true;
  }
  return false;
}

/**
 * Legacy `resources/subscribe`: only resources the server has (else -32002, spec 2025-11-25,
 * resources: error handling), and within the session's bounds on count and bytes kept.
 */
export function subscribe(core: ServerCore, params: Params, ctx: RequestContext): Record<string, unknown> | Promise<Record<string, unknown>> {
  const uri = requireUri(params);
  const session = ctx.session!;
  const subscriptions = (session.subscriptions ??= new Set());
  if (subscriptions.has(uri)) return {};
  if (subscriptions.size >= core.maxSubscriptions) {
    throw invalidParams(`Invalid params: this session already has ${core.maxSubscriptions} subscriptions, the most it may hold`);
  }
  if (session.dataBytes + uri.length > core.maxSessionDataBytes) {
    throw invalidParams(`Invalid params: this session's subscriptions would take more than ${core.maxSessionDataBytes} bytes`);
  }
  if (!isKnown(core, uri)) throw notFound(uri, ctx);
  subscriptions.add(uri);
  session.dataBytes += uri.length;
  return emptyOnceSaved(session.changed());
}

export function unsubscribe(_core: ServerCore, params: Params, ctx: RequestContext): Record<string, unknown> | Promise<Record<string, unknown>> {
  const uri = requireUri(params);
  const session = ctx.session!;
  if (!session.unsubscribe(uri)) return {};
  return emptyOnceSaved(session.changed());
}
