/**
 * `mcpServers`: the upstreams of the gateway, in the format desktop MCP clients already use
 * (`command`, `args`, `env`, `cwd` for a stdio server; `url`, `headers` for Streamable HTTP),
 * with per-upstream options beside them. Options left out here come from `gateway.defaults`.
 */

/**
 * The most calls a breaker's failure rate is computed over: a slot is kept for each, made at
 * once when the upstream is, and an absurd window ran the gateway out of memory (a reload
 * killed it).
 */
export const MAX_BREAKER_WINDOW = 10_000;

/** Options an upstream may set for itself, or `gateway.defaults` for all (with defaults there). */
export const UPSTREAM_OPTIONS = {
  era: { enum: ['auto', 'modern', 'legacy'], description: "Protocol era: 'auto' tries 2026-07-28 first and falls back to the 2025 handshake." },
  timeoutMs: { type: 'integer', minimum: 1, description: 'How long a call may go without an answer or progress.' },
  maxTotalTimeoutMs: { type: 'integer', minimum: 1, description: 'How long a call may take in all, however much progress it reports.' },
  connectTimeoutMs: { type: 'integer', minimum: 1, description: 'How long starting the upstream and its handshake may take.' },
  retries: { type: 'integer', minimum: 0, maximum: 10, description: 'Retries of safe calls (lists, reads, read-only or idempotent tools) after a lost connection.' },
  maxConcurrency: { type: 'integer', minimum: 1, description: 'Calls running at once; more wait in the queue.' },
  maxQueue: { type: 'integer', minimum: 0, description: 'Calls waiting for a slot; more are refused at once as overloaded.' },
  breaker: {
    type: 'object',
    description: 'Circuit breaker: after too many failures, calls fail fast until a probe call succeeds.',
    additionalProperties: false,
    properties: {
      consecutiveFailures: { type: 'integer', minimum: 1, description: 'Opens after this many failures in a row.' },
      // Opens when more than this share failed: at 1 it never would.
      failureRate: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Also opens when more than this share of the last `window` calls failed.' },
      window: { type: 'integer', minimum: 2, maximum: MAX_BREAKER_WINDOW, description: 'Calls the failure rate is computed over.' },
      halfOpenAfterMs: { type: 'integer', minimum: 1, description: 'How long it stays open before one probe call may pass.' },
    },
  },
  reconnect: {
    type: 'object',
    description: 'Reconnecting (and restarting a stdio upstream) after the connection was lost: exponential backoff with jitter.',
    additionalProperties: false,
    properties: {
      initialDelayMs: { type: 'integer', minimum: 1, description: 'Delay before the first new attempt.' },
      maxDelayMs: { type: 'integer', minimum: 1, description: 'Longest delay between attempts.' },
    },
  },
  stderr: {
    type: 'object',
    description: "A stdio upstream's stderr, copied to the gateway's line by line: how much at most. Past it, lines are dropped, and a line every 10 s says how many bytes were.",
    additionalProperties: false,
    properties: {
      bytesPerSecond: { type: 'integer', minimum: 1, description: 'Bytes copied per second.' },
      burstBytes: { type: 'integer', minimum: 1, description: 'Bytes that may be copied at once, saved up while the upstream writes less.' },
    },
  },
} as const;

const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } } as const;

/**
 * How the gateway authenticates to a url upstream (client/auth: createClientAuth). Secrets are
 * best read from the environment (`tokenEnv`, `clientSecretEnv`) or files; given inline, they
 * are never printed.
 */
const AUTH = {
  type: 'object',
  description: 'Authentication to this upstream (url upstreams): OAuth sign-in kept in a token store, client credentials, a workload identity token, or a fixed bearer token.',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: {
      enum: ['oauth', 'client_credentials', 'workload_identity', 'bearer'],
      description: "oauth: a user's sign-in (run `mcp-core login URL` first; tokens are refreshed); client_credentials: a pre-registered client; workload_identity: a JWT in tokenFile; bearer: a fixed token.",
    },
    token: { type: 'string', minLength: 1, writeOnly: true, description: 'bearer: the access token.' },
    tokenEnv: { type: 'string', minLength: 1, description: 'bearer: the environment variable holding the access token.' },
    clientId: { type: 'string', minLength: 1, description: 'The client_id registered at the authorization server.' },
    issuer: {
      type: 'string',
      pattern: '^https?://',
      description:
        "The issuer URL of the authorization server that registered clientId: the client's credentials go to it only, and an upstream naming another gets an error. Needed with clientSecret, clientSecretEnv, privateKeyFile or tokenFile.",
    },
    clientSecret: { type: 'string', minLength: 1, writeOnly: true, description: "The client's secret." },
    clientSecretEnv: { type: 'string', minLength: 1, description: "The environment variable holding the client's secret." },
    privateKeyFile: { type: 'string', minLength: 1, description: 'client_credentials: a PKCS#8 PEM private key for private_key_jwt.' },
    signingAlgorithm: { type: 'string', minLength: 1, description: 'client_credentials: the algorithm of privateKeyFile. Default ES256.' },
    tokenFile: { type: 'string', minLength: 1, description: 'workload_identity: the file holding the workload JWT (read at each use).' },
    scope: { type: 'string', description: 'The scopes to ask for, space-separated.' },
    tokenStore: { type: 'string', minLength: 1, description: 'oauth: the token store file. Default ~/.config/mcp-core/tokens.json, as `mcp-core login` uses.' },
    callbackPort: { type: 'integer', minimum: 1, maximum: 65535, description: 'oauth: the loopback port of the sign-in redirect.' },
    clientMetadataUrl: { type: 'string', pattern: '^https://', description: "oauth: the URL of this client's Client ID Metadata Document." },
    timeoutMs: {
      type: 'integer',
      minimum: 100,
      maximum: 600000,
      description: 'How long one request to the authorization side (metadata, registration, token) may take, its answer read whole, in milliseconds. Default 30000.',
    },
  },
} as const;

const UPSTREAM = {
  type: 'object',
  description: 'One upstream MCP server: `command` (stdio) or `url` (Streamable HTTP, or HTTP+SSE with type sse).',
  additionalProperties: false,
  properties: {
    type: {
      enum: ['stdio', 'http', 'streamable-http', 'sse'],
      description: 'Implied by command or url (Streamable HTTP); accepted as desktop clients write it. sse: url is the stream of a server on the 2024-11-05 HTTP+SSE transport.',
    },
    command: { type: 'string', minLength: 1, description: 'Program that runs a stdio server. ${VAR} and ${VAR:-default} expand from the environment.' },
    args: { type: 'array', items: { type: 'string' }, description: 'Its arguments.' },
    env: { ...STRING_MAP, writeOnly: true, description: 'Environment variables added for it (often keys, so never printed).' },
    cwd: { type: 'string', description: 'Its working directory.' },
    url: { type: 'string', pattern: '^https?://', description: 'Streamable HTTP endpoint of the upstream (with type sse: its HTTP+SSE stream).' },
    headers: { ...STRING_MAP, writeOnly: true, description: 'HTTP headers on every request (e.g. Authorization; never printed).' },
    auth: AUTH,
    enabled: { type: 'boolean', description: 'false keeps it configured but unused. Default true.' },
    disabled: { type: 'boolean', description: 'Desktop clients\' spelling of enabled: false.' },
    required: { type: 'boolean', description: 'Readiness (/readyz) waits for this upstream. Default false.' },
    tools: {
      type: 'object',
      description: 'Which of its tools are offered, by name; `*` matches any run of characters.',
      additionalProperties: false,
      properties: {
        allow: { type: 'array', items: { type: 'string' }, description: 'Only these, matched exactly (all when unset).' },
        deny: { type: 'array', items: { type: 'string' }, description: 'Never these, matched as named and folded (any case, NFKC, no invisible characters or surrounding spaces).' },
      },
    },
    ...UPSTREAM_OPTIONS,
  },
} as const;

export const mcpServers = {
  type: 'object',
  description: 'Upstream MCP servers the gateway offers, by name; their tools are offered as <name>__<tool>.',
  default: {},
  // Nor containing gateway.separator, nor ending in a part of it: checked by the manager (config.ts).
  propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
  additionalProperties: UPSTREAM,
} as const;
