/**
 * What a gateway may answer its caller, judged by the spec's types as the official SDK's schemas
 * (@modelcontextprotocol/core, both revisions) encode them, independently of the gateway's own
 * checks (src/manager/entry-check.ts): a result of the method's type, or an error with a code
 * the spec gives client input, and notifications of the spec's types.
 */
import {
  CallToolResultSchema,
  CompleteResultSchema,
  GetPromptResultSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  ReadResourceResultSchema,
  ResultSchema,
  ServerNotificationSchema,
  SubscriptionsListenResultSchema,
} from '@modelcontextprotocol/core';
import { problemWith } from './oracle.ts';

interface Schema {
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: unknown[] } };
}

const RESULTS: Record<string, Schema> = {
  'tools/call': CallToolResultSchema,
  'tools/list': ListToolsResultSchema,
  'resources/list': ListResourcesResultSchema,
  'resources/templates/list': ListResourceTemplatesResultSchema,
  'resources/read': ReadResourceResultSchema,
  'prompts/list': ListPromptsResultSchema,
  'prompts/get': GetPromptResultSchema,
  'completion/complete': CompleteResultSchema,
  'subscriptions/listen': SubscriptionsListenResultSchema,
};

const TASK_STATUSES = new Set(['working', 'input_required', 'completed', 'failed', 'cancelled']);
const INPUT_METHODS = new Set(['elicitation/create', 'sampling/createMessage', 'roots/list']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issues(schema: Schema, value: unknown): string | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : JSON.stringify(parsed.error.issues).slice(0, 600);
}

/** InputRequests (2026-07-28): questions by key, each of a method a server may ask. */
function inputRequestsProblem(requests: unknown): string | undefined {
  if (!isObject(requests)) return 'inputRequests is not an object';
  for (const [key, request] of Object.entries(requests)) {
    if (!isObject(request) || !INPUT_METHODS.has(request.method as string)) return `inputRequests.${key} is not a question a server may ask`;
    if (request.params !== undefined && !isObject(request.params)) return `inputRequests.${key}.params is not an object`;
  }
  return undefined;
}

/** A task as the tasks extension's schema gives it (DetailedTask, CreateTaskResult). */
function taskProblem(task: Record<string, unknown>): string | undefined {
  if (typeof task.taskId !== 'string') return 'taskId is not a string';
  if (!TASK_STATUSES.has(task.status as string)) return `status ${JSON.stringify(task.status)}`;
  for (const key of ['createdAt', 'lastUpdatedAt']) if (typeof task[key] !== 'string') return `${key} is not a string`;
  // Integers, in the extension's schema (minimum and maximum ±2^53-1).
  if (task.ttlMs !== null && !Number.isSafeInteger(task.ttlMs)) return 'ttlMs is not an integer or null';
  if (task.pollIntervalMs !== undefined && !Number.isSafeInteger(task.pollIntervalMs)) return 'pollIntervalMs is not an integer';
  if (task.statusMessage !== undefined && typeof task.statusMessage !== 'string') return 'statusMessage is not a string';
  if (task.status === 'completed') return issues(CallToolResultSchema, task.result);
  if (task.status === 'input_required') return inputRequestsProblem(task.inputRequests);
  if (task.status === 'failed') return isObject(task.error) && Number.isSafeInteger(task.error.code) && typeof task.error.message === 'string' ? undefined : 'a failed task\'s error is not an Error';
  return undefined;
}

/** Why `result`, the answer to `method`, is not of the spec's types, or undefined. */
export function resultProblem(method: string, modern: boolean, result: Record<string, unknown>): string | undefined {
  const kind = result.resultType;
  if (modern && typeof kind !== 'string') return 'a 2026-07-28 result without resultType';
  if (kind === 'input_required') return typeof result.requestState === 'string' || result.requestState === undefined ? inputRequestsProblem(result.inputRequests) : 'requestState is not a string';
  if (kind === 'task') return method === 'tools/call' ? taskProblem(result) : `a task handle answers ${method}`;
  if (method === 'tasks/get') return taskProblem(result) ?? issues(ResultSchema, result);
  return issues(RESULTS[method] ?? ResultSchema, result);
}

/** Error codes a gateway may answer a request with, beside those of client input (oracle.ts). */
const GATEWAY_ERRORS = new Set([-32042]);

/**
 * Why `reply` is not a valid answer to `method` (request `id`), or undefined: one of result and
 * error, the id echoed, a result of the method's type, an error with a code of client input (not
 * -32603: the gateway failed) unless `upstreams` says the error is an upstream's: one naming it,
 * or one it sent, passed on as it is (any integer code).
 */
export function answerProblem(reply: unknown, id: string | number, method: string, modern: boolean, upstreams: (message: string) => boolean = () => false): string | undefined {
  const problem = problemWith(reply, id);
  const error = (reply as { error?: { code?: unknown; message?: unknown } }).error;
  if (problem !== undefined) {
    const fromUpstream = Number.isSafeInteger(error?.code) && typeof error?.message === 'string' && upstreams(error.message);
    if (!fromUpstream && !GATEWAY_ERRORS.has(error?.code as number)) return problem;
  }
  if (error !== undefined) return undefined;
  return resultProblem(method, modern, (reply as { result: Record<string, unknown> }).result);
}

/** Why a notification the gateway sent its caller is not of the spec's types, or undefined. */
export function notificationProblem(notification: unknown): string | undefined {
  const { jsonrpc: _jsonrpc, ...rest } = notification as Record<string, unknown>;
  return issues(ServerNotificationSchema, rest);
}
