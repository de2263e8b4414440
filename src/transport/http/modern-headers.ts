/**
 * Header/body agreement for modern requests (spec 2026-07-28, Streamable HTTP: server
 * validation): MCP-Protocol-Version, Mcp-Method, Mcp-Name and Mcp-Param-* must mirror the body,
 * or the request is refused with 400 and HeaderMismatch (-32020).
 */
import { describeValue, isObject } from '../../protocol/guards.ts';
import { decodeHeaderValue, headerMatches, valueAt, type HeaderParam } from '../../protocol/header-params.ts';
import type { JsonRpcRequest } from '../../protocol/jsonrpc.ts';
import { MetaKey } from '../../protocol/meta.ts';
import { Method, NAMED_METHODS } from '../../protocol/methods.ts';
import { headerMismatch, invalidParams, McpError } from '../../protocol/wire-errors.ts';

export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Task methods name their target by `taskId` (tasks extension, routing headers). */
const TASK_METHODS = new Set<string>([Method.TasksGet, Method.TasksUpdate, Method.TasksCancel]);

function nameSource(request: JsonRpcRequest): unknown {
  const field = NAMED_METHODS.get(request.method);
  if (field !== undefined) return request.params?.[field];
  if (TASK_METHODS.has(request.method)) return request.params?.taskId;
  return undefined;
}

function requiresName(method: string): boolean {
  return NAMED_METHODS.has(method) || TASK_METHODS.has(method);
}

/**
 * Checks a modern request's headers against its body. Returns the error to send (all are
 * HTTP 400), or undefined when they agree. `headerParams` gives a tool's x-mcp-header
 * parameters for `tools/call`.
 */
export function checkModernRequest(
  headers: Headers,
  request: JsonRpcRequest,
  headerParams: (toolName: string) => readonly HeaderParam[] | undefined,
): McpError | undefined {
  const version = header(headers, 'mcp-protocol-version');
  if (version === undefined) return headerMismatch('missing MCP-Protocol-Version header');
  const meta = request.params?._meta;
  const bodyVersion = isObject(meta) ? meta[MetaKey.ProtocolVersion] : undefined;
  if (typeof bodyVersion !== 'string' || bodyVersion === '') {
    return invalidParams(`Invalid params: missing _meta field ${MetaKey.ProtocolVersion}`);
  }
  if (!isObject(meta![MetaKey.ClientCapabilities])) return invalidParams(`Invalid params: missing _meta field ${MetaKey.ClientCapabilities}`);
  if (bodyVersion !== version) {
    return headerMismatch(`MCP-Protocol-Version header value '${version}' does not match body value '${bodyVersion}'`);
  }
  const method = header(headers, 'mcp-method');
  if (method === undefined) return headerMismatch('missing Mcp-Method header');
  if (method !== request.method) return headerMismatch(`Mcp-Method header value '${method}' does not match body value '${request.method}'`);
  if (requiresName(request.method)) {
    const raw = header(headers, 'mcp-name');
    if (raw === undefined) return headerMismatch('missing Mcp-Name header');
    const name = decodeHeaderValue(raw);
    if (name === undefined) return headerMismatch('Mcp-Name header has invalid characters');
    const body = nameSource(request);
    if (name !== body) return headerMismatch(`Mcp-Name header value '${name}' does not match body value '${describeValue(body)}'`);
  }
  if (request.method === Method.ToolsCall && typeof request.params?.name === 'string') {
    const params = headerParams(request.params.name);
    if (params !== undefined && params.length > 0) return checkParamHeaders(headers, params, request.params.arguments);
  }
  return undefined;
}

function checkParamHeaders(headers: Headers, params: readonly HeaderParam[], args: unknown): McpError | undefined {
  for (const param of params) {
    const raw = header(headers, `mcp-param-${param.name.toLowerCase()}`);
    const decoded = raw === undefined ? undefined : decodeHeaderValue(raw);
    if (raw !== undefined && decoded === undefined) return headerMismatch(`Mcp-Param-${param.name} header has invalid characters`);
    const value = valueAt(args, param.path);
    if (value === undefined || value === null) continue;
    if (decoded === undefined) return headerMismatch(`missing Mcp-Param-${param.name} header`);
    if (!headerMatches(decoded, value, param.type)) {
      return headerMismatch(`Mcp-Param-${param.name} header value '${decoded}' does not match body value '${describeValue(value)}'`);
    }
  }
  return undefined;
}
