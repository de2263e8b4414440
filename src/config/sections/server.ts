/** `server`: who the server says it is, and what it shares across processes. */
export const server = {
  type: 'object',
  description: 'Who the server says it is (serverInfo, instructions) and what its processes share.',
  additionalProperties: false,
  default: {},
  properties: {
    name: { type: 'string', minLength: 1, default: 'mcp-core', description: 'serverInfo.name sent to clients.' },
    version: { type: 'string', minLength: 1, default: '0.1.0', description: 'serverInfo.version sent to clients.' },
    instructions: { type: 'string', description: 'Guidance for models on using this server, returned by initialize and server/discover.' },
    requestStateSecret: {
      type: 'string',
      minLength: 1,
      writeOnly: true,
      description: 'Secret that seals multi round-trip requestState; every process behind one endpoint needs the same one. Random per process when unset.',
    },
    sessionLimits: {
      type: 'object',
      description: 'What a legacy session (HTTP or stdio) keeps of what its client sends.',
      additionalProperties: false,
      default: {},
      properties: {
        maxSubscriptions: { type: 'integer', minimum: 0, default: 256, description: 'resources/subscribe URIs one session holds, and resourceSubscriptions one subscriptions/listen follows; more get -32602.' },
        maxDataBytes: {
          type: 'integer',
          minimum: 1,
          default: 16384,
          description: 'Bytes of client data one session keeps: capabilities and clientInfo from initialize, and subscribed URIs; more get -32602.',
        },
      },
    },
    tasks: {
      type: 'object',
      description:
        "The tasks extension: how long tasks are kept, how many may run and be kept, and how many bytes of results they keep, in all and per owner (the principal's subject; without one, the peer address, as the http.inflight bounds count clients). Past a bound, a call to a tool whose task support is optional runs as a plain request, and one whose task support is required gets HTTP 503 with Retry-After (-32000 over stdio); a result past the bytes bounds is not kept, and its task ends failed with -32000 naming the bound.",
      additionalProperties: false,
      default: {},
      properties: {
        ttlMs: { type: 'integer', minimum: 1, default: 300000, description: 'How long a task and its result are kept; a task still running then is stopped.' },
        maxRunning: { type: 'integer', minimum: 1, default: 1000, description: 'Task works running at once in this process.' },
        maxRunningPerOwner: { type: 'integer', minimum: 1, default: 100, description: 'Task works of one owner running at once in this process.' },
        maxRecords: {
          type: 'integer',
          minimum: 1,
          default: 10000,
          description: 'Tasks kept at once, finished ones until their TTL (with store.redis.url: by every process sharing the Redis). Expired ones make room; a live one is never dropped.',
        },
        maxRecordsPerOwner: { type: 'integer', minimum: 1, default: 1000, description: 'Tasks of one owner kept at once.' },
        maxResultBytes: {
          type: 'integer',
          minimum: 1,
          default: 268435456,
          description: 'Bytes of results (and errors) finished tasks keep at once, as JSON (with store.redis.url: by every process sharing the Redis). Expired tasks make room; past it a task ends failed instead of keeping its result.',
        },
        maxResultBytesPerOwner: { type: 'integer', minimum: 1, default: 67108864, description: 'Bytes of results the tasks of one owner keep at once.' },
      },
    },
    shutdownDeadlineMs: {
      type: 'integer',
      minimum: 0,
      default: 10000,
      description: 'On SIGTERM/SIGINT, how long calls in flight may run on; those still running then are answered with an error. New requests are refused meanwhile.',
    },
    shutdownDelayMs: {
      type: 'integer',
      minimum: 0,
      maximum: 600000,
      default: 0,
      description:
        'On SIGTERM/SIGINT with HTTP served: /readyz turns unready at once, but new requests are still served this long before they are refused, so that load balancers (a Kubernetes Service, an ingress) stop sending them first; then the shutdown goes on as ever (shutdownDeadlineMs). A second signal ends the wait. Keep the two together below the orchestrator\'s grace period.',
    },
  },
} as const;
