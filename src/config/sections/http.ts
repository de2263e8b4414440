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
    trustProxy: {
      type: 'array',
      // The shape only; the server checks each address and prefix when it starts.
      items: { type: 'string', minLength: 1, pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' },
      description:
        'IP addresses and CIDR blocks (10.0.0.0/8, fd00::/8) of the reverse proxies in front: a request from one of them counts against the client its X-Forwarded-For names (read from the end, past trusted proxies only), in every per-client bound (rate limits, in-flight requests, sessions, WebSocket connections). Unset: the peer is the client, whatever its headers say.',
    },
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
        maxSessions: {
          type: 'integer',
          minimum: 1,
          default: 10000,
          description: 'Open sessions at most; past it the least recently used idle session (no request in flight, no stream open) is closed, and initialize gets 503 only while every session is in use.',
        },
        maxSessionsPerClient: {
          type: 'integer',
          minimum: 1,
          default: 1000,
          description: "Open sessions one client (its principal, or its address without authentication) holds at most; past it that client's own least recently used idle session is closed.",
        },
      },
    },
    resumeWindowMs: {
      type: 'integer',
      minimum: 0,
      default: 600000,
      description: 'How long a legacy SSE stream whose client went away stays resumable with Last-Event-ID after it ended; then it is freed.',
    },
    readinessMaxAgeMs: {
      type: 'integer',
      minimum: 0,
      maximum: 10000,
      default: 1000,
      description:
        'GET /readyz is outside auth and its checks may cost (a gateway looks over its upstreams): after a burst of 10 runs of the checks, at most one per this long, however many probes come; a probe past that budget is answered with the last run\'s results, less than this old. Draining (shutdown) shows at the next probe whatever this is. 0: no budget (probes only share a run under way).',
    },
    inflight: {
      type: 'object',
      description: 'Bounds on requests in flight (POSTs, and GET streams while open) and the body bytes they hold; past one, a request gets 503 with Retry-After before its body is read.',
      additionalProperties: false,
      default: {},
      properties: {
        maxRequests: { type: 'integer', minimum: 1, default: 1024, description: 'Requests in flight at once (POSTs, and GET streams while open), from all clients.' },
        maxRequestsPerClient: { type: 'integer', minimum: 1, default: 256, description: 'Requests in flight at once (POSTs, and GET streams while open) from one client (its principal, or its address): this bounds the SSE streams one client holds open.' },
        maxBytes: { type: 'integer', minimum: 1, default: 67108864, description: 'Body bytes held by the requests in flight, from all clients.' },
        maxBytesPerClient: { type: 'integer', minimum: 1, default: 16777216, description: 'Body bytes held by the requests in flight of one client.' },
      },
    },
  },
} as const;
