/** `store`: where state shared by several processes lives (in memory, or in Redis). */
const POLICY = {
  enum: ['closed', 'open'],
  default: 'closed',
} as const;

export const store = {
  type: 'object',
  description:
    'Where state lives that several processes behind one endpoint must share: legacy sessions, resumable SSE events, tasks, change notifications, rate-limit counts. In each process\'s memory unless redis.url is set.',
  additionalProperties: false,
  default: {},
  properties: {
    redis: {
      type: 'object',
      description: 'Redis, shared by every process that names the same url and keyPrefix: any of them serves any request (no sticky routing).',
      additionalProperties: false,
      // The url turns Redis on, and gives the sentinels' primary its password and database.
      dependentRequired: { sentinels: ['url'] },
      default: {},
      properties: {
        url: {
          type: 'string',
          pattern: '^rediss?://',
          writeOnly: true,
          description:
            'redis:// or rediss:// URL, password included if any (redis://:password@host:6379/0). Set: sessions, SSE events, tasks, notifications and rate-limit counts are kept in Redis (rateLimits.store: memory keeps the counts per process).',
        },
        sentinels: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]+):[0-9]{1,5}$' },
          description:
            'Redis Sentinel: its addresses (host:port, [IPv6]:port). Set: the primary is the one they name for sentinelName, found again when they fail over; url then gives the password, user, database and TLS, and its host is not used.',
        },
        sentinelName: { type: 'string', minLength: 1, default: 'mymaster', description: 'The name the sentinels monitor the primary under.' },
        sentinelPassword: { type: 'string', writeOnly: true, description: "The sentinels' own password (requirepass of the sentinels), when they have one." },
        keyPrefix: {
          type: 'string',
          minLength: 1,
          default: 'mcp-core',
          description: 'Prefix of every key and channel. Processes serving one endpoint share it; give other deployments on the same Redis another one.',
        },
        connectTimeoutMs: { type: 'integer', minimum: 1, default: 5000, description: 'How long one connection attempt may take; Redis is retried without end after that.' },
        commandTimeoutMs: {
          type: 'integer',
          minimum: 1,
          default: 2000,
          description: 'How long a request waits for one Redis command before the store counts as unavailable for it.',
        },
        leaseMs: {
          type: 'integer',
          minimum: 1000,
          default: 10000,
          description:
            'A process renews its lease in Redis three times per leaseMs. Once a lease lapses (the process was killed), its tasks are marked failed and its SSE streams are taken over by the process a client resumes on.',
        },
        onUnavailable: {
          type: 'object',
          description: 'What happens while Redis cannot be reached (the connection is retried meanwhile, and service resumes by itself).',
          additionalProperties: false,
          default: {},
          properties: {
            sessions: {
              ...POLICY,
              description:
                'closed: requests naming a session get 503 with Retry-After and a JSON-RPC error saying the session store is unavailable. open: sessions this process holds go on from its own copy; others, and new sessions, still get 503.',
            },
            tasks: {
              ...POLICY,
              description:
                'closed: task requests (and tool calls that would become tasks) fail with a JSON-RPC error saying the task store is unavailable. open: tasks this process runs go on and are answered from its own copy.',
            },
          },
        },
      },
    },
    events: {
      type: 'object',
      description: 'The log of legacy SSE events kept for resumption with Last-Event-ID (how long: http.resumeWindowMs).',
      additionalProperties: false,
      default: {},
      properties: {
        maxEventsPerStream: { type: 'integer', minimum: 1, default: 1000, description: 'Events kept per stream; older ones are dropped first.' },
        maxChars: {
          type: 'integer',
          minimum: 1,
          default: 67108864,
          description:
            "Characters of JSON (about as many bytes) of the events this process keeps, in all, without Redis; past it, the streams written to least recently are forgotten (resuming one that ended is refused as an unknown Last-Event-ID). With Redis, Redis's maxmemory bounds them.",
        },
      },
    },
  },
} as const;
