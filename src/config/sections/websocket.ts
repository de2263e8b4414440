/** `websocket`: MCP over WebSocket, an upgrade on the HTTP listener. */
export const websocket = {
  type: 'object',
  description:
    'MCP over WebSocket on the HTTP listener: an upgrade on the MCP path (subprotocol mcp, one JSON-RPC message per text frame), through the same Origin/Host checks, authentication and in-flight bounds as HTTP.',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Accept WebSocket upgrades (the HTTP listener must be on).' },
    path: { type: 'string', pattern: '^/', description: 'Path of the WebSocket endpoint; http.path when unset.' },
    maxMessageBytes: {
      type: 'integer',
      minimum: 1,
      default: 4194304,
      description: 'Largest message (one frame) accepted; a larger one closes its connection with 1009 (Message Too Big).',
    },
    pingIntervalMs: {
      type: 'integer',
      minimum: 0,
      default: 30000,
      description: 'Each connection is pinged this often; one that answers no ping and sends nothing within an interval is closed. 0: no pings.',
    },
    maxConnections: { type: 'integer', minimum: 1, default: 1024, description: 'WebSocket connections open at once; past it, upgrades get 503 with Retry-After.' },
    maxConnectionsPerClient: {
      type: 'integer',
      minimum: 1,
      default: 64,
      description: 'WebSocket connections one client (its principal, or its address) holds at once; past it, its upgrades get 503.',
    },
    maxInflightPerConnection: {
      type: 'integer',
      minimum: 1,
      default: 256,
      description: 'Requests served at once on one connection; past it, the connection is not read until some are answered.',
    },
  },
} as const;
