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
    shutdownDeadlineMs: {
      type: 'integer',
      minimum: 0,
      default: 10000,
      description: 'On SIGTERM/SIGINT, how long calls in flight may run on; those still running then are answered with an error. New requests are refused meanwhile.',
    },
  },
} as const;
