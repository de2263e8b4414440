/** JSON-RPC method names of both eras and of the tasks extension, named as in the spec. */
export const Method = {
  // lifecycle (legacy)
  Initialize: 'initialize',
  Ping: 'ping',
  // discovery and subscriptions (modern)
  ServerDiscover: 'server/discover',
  SubscriptionsListen: 'subscriptions/listen',
  // server features
  ToolsList: 'tools/list',
  ToolsCall: 'tools/call',
  ResourcesList: 'resources/list',
  ResourcesTemplatesList: 'resources/templates/list',
  ResourcesRead: 'resources/read',
  ResourcesSubscribe: 'resources/subscribe',
  ResourcesUnsubscribe: 'resources/unsubscribe',
  PromptsList: 'prompts/list',
  PromptsGet: 'prompts/get',
  CompletionComplete: 'completion/complete',
  LoggingSetLevel: 'logging/setLevel',
  // client features (server-to-client requests in the legacy era, input requests in the modern)
  SamplingCreateMessage: 'sampling/createMessage',
  ElicitationCreate: 'elicitation/create',
  RootsList: 'roots/list',
  // tasks extension
  TasksGet: 'tasks/get',
  TasksUpdate: 'tasks/update',
  TasksCancel: 'tasks/cancel',
} as const;

export const Notification = {
  Initialized: 'notifications/initialized',
  Cancelled: 'notifications/cancelled',
  Progress: 'notifications/progress',
  Message: 'notifications/message',
  ToolsListChanged: 'notifications/tools/list_changed',
  PromptsListChanged: 'notifications/prompts/list_changed',
  ResourcesListChanged: 'notifications/resources/list_changed',
  ResourcesUpdated: 'notifications/resources/updated',
  RootsListChanged: 'notifications/roots/list_changed',
  SubscriptionsAcknowledged: 'notifications/subscriptions/acknowledged',
  ElicitationComplete: 'notifications/elicitation/complete',
  TasksStatus: 'notifications/tasks/status',
} as const;

/** Requests whose `params.name` (or `params.uri`) is mirrored into the Mcp-Name header. */
export const NAMED_METHODS: ReadonlyMap<string, 'name' | 'uri'> = new Map([
  [Method.ToolsCall, 'name'],
  [Method.PromptsGet, 'name'],
  [Method.ResourcesRead, 'uri'],
]);
