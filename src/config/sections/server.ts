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
        maxSubscriptions: { type: 'integer', minimum: 0, default: 256, description: 'resources/subscribe URIs one session holds; more get -32602.' },
        maxDataBytes: {
          type: 'integer',
          minimum: 1,
          default: 16384,
          description: 'Bytes of client data one session keeps: capabilities and clientInfo from initialize, and subscribed URIs; more get -32602.',
        },
      },
    },
    shutdownDeadlineMs: {
      type: 'integer',
      minimum: 0,
      default: 10000,
      description: 'On SIGTERM/SIGINT, how long calls in flight may run on; those still running then are answered with an error. New requests are refused meanwhile.',
    },
  },
} as const;
