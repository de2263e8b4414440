/**
 * The wire types mcp-core works with, taken from the generated spec types. Modern
 * (2026-07-28) shapes are the default; the few legacy-only shapes come from 2025-11-25.
 */
export type {
  Annotations,
  AudioContent,
  BlobResourceContents,
  CallToolResult,
  ClientCapabilities,
  CompleteRequestParams,
  CompleteResult,
  ContentBlock,
  CreateMessageRequestParams,
  CreateMessageResult,
  DiscoverResult,
  ElicitRequestFormParams,
  ElicitRequestParams,
  ElicitRequestURLParams,
  ElicitResult,
  EmbeddedResource,
  GetPromptResult,
  Icon,
  ImageContent,
  Implementation,
  InputRequest,
  InputRequests,
  InputRequiredResult,
  InputResponse,
  InputResponses,
  ListRootsResult,
  LoggingLevel,
  ProgressToken,
  Prompt,
  PromptArgument,
  PromptMessage,
  ReadResourceResult,
  Resource,
  ResourceContents,
  ResourceLink,
  ResourceTemplate,
  Root,
  ServerCapabilities,
  SubscriptionFilter,
  TextContent,
  TextResourceContents,
  Tool,
  ToolAnnotations,
} from './generated/2026-07-28.ts';

export type { InitializeRequestParams, InitializeResult } from './generated/2025-11-25.ts';

import type { LoggingLevel } from './generated/2026-07-28.ts';

/**
 * Questions one result may ask at once (`inputRequests` of an InputRequiredResult, or of a task
 * waiting for input), and answers one `inputResponses` may hold: each is put to a handler (a
 * gateway's, to its own caller), and a peer cannot make the other run thousands at a time.
 */
export const MAX_INPUT_REQUESTS = 64;

/** Syslog severities in increasing order (RFC 5424), as MCP logging uses them. */
export const LOGGING_LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

const severity = new Map<string, number>(LOGGING_LEVELS.map((level, index) => [level, index]));

export function isLoggingLevel(value: unknown): value is LoggingLevel {
  return typeof value === 'string' && severity.has(value);
}

/** Whether a message at `level` passes a minimum of `threshold`. */
export function levelPasses(level: LoggingLevel, threshold: LoggingLevel): boolean {
  return (severity.get(level) ?? 0) >= (severity.get(threshold) ?? 0);
}
