/**
 * mcp-core: a fast, production-grade Model Context Protocol runtime.
 *
 * @example
 * import { McpServer, serveHttp } from 'mcp-core';
 * const server = new McpServer({ name: 'hello', version: '1.0.0' });
 * server.tool('hello', { description: 'Says hello' }, () => 'Hello!');
 * await serveHttp(server, { port: 3000 });
 */

// Server
export { McpServer, Era, type MethodHandler, type ServerOptions } from './server/server.ts';
export { ANY_METHOD, type Dispatch, type Interceptor, type UseOptions } from './server/pipeline.ts';
export type { CacheHint } from './server/core.ts';
export { RequestContext, type InputOptions } from './server/context.ts';
export { RegisteredTool, type ToolConfig, type ToolHandler, type ToolOutput, type TaskSupport } from './server/tools.ts';
export { RegisteredResource, RegisteredResourceTemplate, type ResourceConfig, type ResourceTemplateConfig, type ReadHandler, type TemplateReadHandler, type ReadOutput, type Completer } from './server/resources.ts';
export { RegisteredPrompt, type PromptConfig, type PromptHandler, type PromptOutput } from './server/prompts.ts';
export { ServerConnection, type ConnectionOptions, type Admission } from './server/connection.ts';
export { UriTemplate } from './server/uri-template.ts';
export type { FromSchema, JsonSchema } from './server/schema-types.ts';
export type { TaskOptions } from './server/tasks.ts';
export type { TaskLimits, TaskLimit } from './server/task-admission.ts';

// Client
export { McpClient, type ClientOptions, type ConnectOptions } from './client/client.ts';
export type { RequestOptions, Progress } from './client/requests.ts';
export type { InputHandlers, InputContext } from './client/input.ts';
export { RETRY_SAFE_METHODS, isRetryable, type RetryOptions } from './client/retry.ts';
export * from './client/auth/index.ts';

// Manager and gateway
export { McpManager, type CallOptions, type BatchItem, type BatchOutcome, type ManagerHealth, type ManagerListeners, type ReloadReport } from './manager/manager.ts';
export { Gateway } from './manager/gateway.ts';
export { parseManagerConfig, type ManagerConfig, type UpstreamConfig, type GatewayConfig, type ManagerSpec, type UpstreamSpec } from './manager/config.ts';
export { UpstreamFailure, FAILURE_META_KEY, type FailureReason } from './manager/failures.ts';
export type { UpstreamHealth } from './manager/upstream.ts';

// Transports
export type { Transport, MessageReceiver, TransportState } from './transport/transport.ts';
export type { Exchange, AuthInfo } from './transport/exchange.ts';
export { StdioServerTransport } from './transport/stdio.ts';
export { StdioClientTransport, type StdioClientOptions } from './transport/stdio-client.ts';
export type { StderrBudget } from './transport/stderr-lines.ts';
export { StreamTransport } from './transport/stream.ts';
export { InMemoryTransport } from './transport/in-memory.ts';
export { createNodeHandler, serveHttp, type NodeHandlerOptions, type NodeHandler, type ServeHttpOptions, type HttpListener, type HttpRoute } from './transport/http/node.ts';
export type { InflightLimitOptions } from './transport/http/inflight.ts';
export { createFetchHandler, type FetchHandlerOptions, type FetchHandler, type ConnectionInfo } from './transport/http/fetch.ts';
export { StreamableHttp, type McpEndpoint, type StreamableHttpOptions } from './transport/http/streamable-http.ts';
export { StreamableHttpClientTransport, type HttpClientTransportOptions } from './transport/http/client.ts';
export { SseClientTransport, type SseClientTransportOptions } from './transport/http/sse-client.ts';
export { createH1Fetch, createUndiciFetch, type UndiciFetchOptions } from './transport/http/undici-fetch.ts';
export type { HttpClientAuth, AuthRequest } from './transport/http/client-auth.ts';
export { WebSocketEndpoint, type WebSocketOptions, type WebSocketHost, type HostedConnectionOptions } from './transport/websocket/endpoint.ts';
export { WebSocketTransport, CloseCode } from './transport/websocket/socket-transport.ts';
export { WebSocketClientTransport, type WebSocketClientOptions } from './transport/websocket/client.ts';

// Protocol
export { ErrorCode, McpError, type WireError } from './protocol/wire-errors.ts';
export { LocalErrorCode, McpLocalError } from './protocol/local-errors.ts';
export { Cancellation, type CancelListener } from './protocol/cancellation.ts';
export { Method, Notification } from './protocol/methods.ts';
export { MetaKey, TASKS_EXTENSION } from './protocol/meta.ts';
export { MODERN_VERSION, LATEST_LEGACY_VERSION, SUPPORTED_VERSIONS } from './protocol/versions.ts';
export type * from './protocol/jsonrpc.ts';
export type * from './protocol/types.ts';

// State
export { MemoryEventStore, type EventStore } from './store/event-store.ts';
export { MemoryTaskStore, type TaskStore, type TaskRecord, type TaskRoomQuery, type TaskBytesQuery, type NoTaskRoom } from './store/task-store.ts';
export { LegacySession } from './store/legacy-session.ts';
export {
  MemorySessionStore,
  type SessionStore,
  type SessionStoreFactory,
  type SessionStoreOptions,
  type SessionLimitOptions,
  type SessionRuntime,
  type NoRoom,
} from './store/session-store.ts';
export type { SessionRecord } from './store/session-record.ts';
export type { Bus, BusMessage, BusListener, ListKind } from './store/bus.ts';
export { StoreUnavailableError, type StoreKind } from './store/unavailable.ts';

// Operations
export { Health, type HealthStatus, type HealthOptions, type Readiness, type ReadinessCheck, type ReadinessCheckResult } from './observability/health.ts';

// Security
export { createOriginCheck, type OriginCheck, type OriginPolicyOptions } from './security/origin.ts';
export { Refusal, type EdgeHook, type EdgeDecision, type Principal, type RequestHead, type HeadHeaders } from './security/edge.ts';
export { clientKey } from './security/client-key.ts';
