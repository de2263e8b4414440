/** `rateLimits`: requests per client, and calls per tool, in a time window. */
const LIMIT = {
  type: 'object',
  additionalProperties: false,
  required: ['limit', 'windowSeconds'],
  properties: {
    limit: { type: 'integer', minimum: 1, description: 'Requests (or calls) allowed per window.' },
    windowSeconds: { type: 'integer', minimum: 1, description: 'Length of the window; the count starts again when it ends.' },
  },
} as const;

export const rateLimits = {
  type: 'object',
  description: 'Rate limits: past one, HTTP requests get 429 with Retry-After, stdio requests a JSON-RPC error with the delay. Off unless set.',
  additionalProperties: false,
  default: {},
  properties: {
    perClient: {
      ...LIMIT,
      description: 'Requests one client (its principal, or its address without authentication) may make per window: HTTP requests on the MCP endpoint, refused before the body is read; over stdio, JSON-RPC requests.',
    },
    perTool: { ...LIMIT, description: 'Calls of each tool one client may make per window (tools/call).' },
    tools: {
      type: 'object',
      default: {},
      description: 'Limits of particular tools, by name, in place of perTool.',
      additionalProperties: {
        ...LIMIT,
        properties: {
          ...LIMIT.properties,
          shared: { type: 'boolean', default: false, description: 'true: the limit counts the calls of all clients together (an expensive backend), rather than each client\'s.' },
        },
      },
    },
    store: {
      enum: ['memory', 'redis'],
      description:
        'Where counts are kept: memory (each process its own) or redis (shared by every process behind one endpoint: a limit holds across them). Default: redis when store.redis.url or rateLimits.redis.url is set, else memory.',
    },
    redis: {
      type: 'object',
      description: 'The Redis of the counts: by default the one of store.redis.url, over the same connection.',
      additionalProperties: false,
      default: {},
      properties: {
        url: {
          type: 'string',
          pattern: '^rediss?://',
          writeOnly: true,
          description: 'redis:// or rediss:// URL, password included if any, to keep the counts on another Redis than store.redis.url (with a connection of their own).',
        },
        keyPrefix: { type: 'string', minLength: 1, description: 'Prefix of the keys the counts are kept under. Default: store.redis.keyPrefix followed by :rate (mcp-core:rate).' },
      },
    },
  },
} as const;
