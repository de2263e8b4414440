/** `http`: the Streamable HTTP listener. */
export const http = {
  type: 'object',
  description: 'The Streamable HTTP listener.',
  additionalProperties: false,
  default: {},
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address to listen on; loopback by default. Elsewhere, set allowedOrigins / allowedHosts.' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 3000, description: 'TCP port; 0 picks a free one.' },
    path: { type: 'string', pattern: '^/', default: '/mcp', description: 'Path of the MCP endpoint.' },
    allowedOrigins: {
      type: 'array',
      items: { type: 'string' },
      description: 'Origin header values allowed to call (DNS-rebinding protection); others get 403. Loopback origins only when unset on a loopback host.',
    },
    allowedHosts: { type: 'array', items: { type: 'string' }, description: 'Host header values allowed (hostname or hostname:port); others get 403.' },
    maxBodyBytes: { type: 'integer', minimum: 1, default: 4194304, description: 'Largest request body; larger ones get 413.' },
    headersTimeoutMs: {
      type: 'integer',
      minimum: 1,
      default: 10000,
      description:
        'A connection must send its request headers within this long (from connecting, or from the end of its previous request); slower ones get 408 and are closed (slowloris). At most requestTimeoutMs.',
    },
    requestTimeoutMs: {
      type: 'integer',
      minimum: 0,
      default: 60000,
      description: 'A request must arrive whole, headers and body, within this long; slower ones get 408 and are closed. 0: no limit. Answers may take longer.',
    },
    keepAliveTimeoutMs: {
      type: 'integer',
      minimum: 1,
      default: 65000,
      description: 'An idle keep-alive connection is closed after this long; keep it above the idle timeout of a load balancer in front.',
    },
    sessions: {
      type: 'object',
      description: 'Legacy (2025-11-25 and earlier) sessions.',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'false serves legacy clients without Mcp-Session-Id.' },
        idleTimeoutMs: { type: 'number', minimum: 0, default: 1800000, description: 'A session unused this long is closed.' },
        maxSessions: { type: 'integer', minimum: 1, default: 10000, description: 'Open sessions at most; initialize past it gets 503.' },
      },
    },
  },
} as const;
