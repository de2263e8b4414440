/** `auth`: who may call the HTTP endpoint, and which tools each caller may see and call. */
const SCOPES = { type: 'array', items: { type: 'string', minLength: 1, pattern: '^[!#-\\[\\]-~]+$' } } as const;

/** Asymmetric algorithms jose verifies; `none` and shared-secret (HS*) algorithms are never accepted. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export const auth = {
  type: 'object',
  description: 'Authentication of HTTP callers (OAuth 2.1 resource server, API keys, or none) and per-tool scopes.',
  additionalProperties: false,
  default: {},
  properties: {
    mode: {
      enum: ['none', 'jwt', 'introspection', 'apiKey'],
      default: 'none',
      description:
        "none: anyone who reaches the listener (keep it on loopback); jwt: OAuth access tokens verified against the authorization server's JWKS; introspection: tokens checked with the authorization server (RFC 7662); apiKey: keys listed in auth.apiKeys.",
    },
    resource: {
      type: 'string',
      pattern: '^https?://[^#]+$',
      description:
        "This server's canonical URL as clients reach it (RFC 8707), e.g. https://mcp.example.com/mcp: tokens must name it as their audience, and the protected resource metadata names it. Default: the listener's own URL.",
    },
    authorizationServers: {
      type: 'array',
      items: { type: 'string', pattern: '^https?://' },
      description: 'Issuer URLs of the authorization servers clients get tokens from, listed in the protected resource metadata. Default: auth.jwt.issuer, or auth.introspection.issuer.',
    },
    scopesSupported: { ...SCOPES, description: 'Scopes listed in the protected resource metadata (scopes_supported): what clients ask for at first.' },
    requiredScopes: { ...SCOPES, default: [], description: 'Scopes every request needs; a token without them gets 403 insufficient_scope.' },
    impliedScopes: {
      type: 'object',
      additionalProperties: SCOPES,
      default: {},
      description: 'Scope hierarchy: a granted scope (the key) also grants the scopes listed, e.g. {"admin": ["tools:write"], "tools:write": ["tools:read"]}.',
    },
    toolScopes: {
      type: 'object',
      additionalProperties: SCOPES,
      default: {},
      description:
        'Scopes needed to see and call each tool, by tool name ("*" matches any characters, e.g. "github__*"). Callers without them do not see the tool in tools/list, and calling it gets 403 insufficient_scope. An entry replaces the scopes a tool declares in code.',
    },
    resourceName: { type: 'string', minLength: 1, description: 'Human-readable name in the protected resource metadata (resource_name).' },
    tokenCache: {
      type: 'object',
      description: 'Verified tokens are remembered, so a token is checked once rather than on every request.',
      additionalProperties: false,
      default: {},
      properties: {
        maxEntries: { type: 'integer', minimum: 0, default: 10000, description: 'Tokens remembered at most (0: none); the oldest are forgotten first.' },
        maxAgeMs: {
          type: 'integer',
          minimum: 0,
          default: 60000,
          description: 'How long a verified token is trusted before it is checked again (never past its expiry): the delay before a revoked token or a removed signing key takes effect.',
        },
      },
    },
    jwt: {
      type: 'object',
      description: 'auth.mode jwt: access tokens are JWTs signed by the authorization server.',
      additionalProperties: false,
      default: {},
      properties: {
        jwksUrl: { type: 'string', pattern: '^https?://', description: "URL of the authorization server's JSON Web Key Set (jwks_uri)." },
        issuer: { type: 'string', minLength: 1, description: 'The iss claim tokens must carry: the authorization server\'s issuer URL.' },
        audience: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description: 'aud values accepted (any one of them). Default: auth.resource. Only set it when the authorization server cannot name this server\'s URL.',
        },
        algorithms: {
          type: 'array',
          items: { enum: JWT_ALGORITHMS },
          minItems: 1,
          default: ['RS256', 'PS256', 'ES256', 'EdDSA'],
          description: 'Signature algorithms accepted; unsigned (alg none) and shared-secret tokens never are.',
        },
        clockToleranceSec: { type: 'integer', minimum: 0, maximum: 300, default: 30, description: 'Leeway for exp, nbf and iat against this host\'s clock.' },
        jwksCacheMaxAgeMs: { type: 'integer', minimum: 1000, default: 600000, description: 'The key set is fetched again after this long.' },
        jwksCooldownMs: {
          type: 'integer',
          minimum: 0,
          default: 30000,
          description: 'A token signed with a key not in the key set makes it be fetched again (key rotation), at most once per this long.',
        },
        jwksTimeoutMs: { type: 'integer', minimum: 1, default: 5000, description: 'How long fetching the key set may take.' },
      },
    },
    introspection: {
      type: 'object',
      description: 'auth.mode introspection: each token is checked with the authorization server (RFC 7662), then remembered (auth.tokenCache).',
      additionalProperties: false,
      default: {},
      properties: {
        endpoint: { type: 'string', pattern: '^https?://', description: 'The introspection endpoint (introspection_endpoint).' },
        clientId: { type: 'string', minLength: 1, description: 'This server\'s client id at the authorization server (HTTP Basic authentication).' },
        clientSecret: { type: 'string', minLength: 1, writeOnly: true, description: 'Its client secret.' },
        issuer: { type: 'string', minLength: 1, description: 'When set, the iss a token\'s introspection must name.' },
        audience: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'aud values accepted (any one of them). Default: auth.resource.' },
        clockToleranceSec: { type: 'integer', minimum: 0, maximum: 300, default: 30, description: 'Leeway for exp and nbf.' },
        timeoutMs: { type: 'integer', minimum: 1, default: 5000, description: 'How long one introspection request may take.' },
        maxInFlight: {
          type: 'integer',
          minimum: 1,
          default: 128,
          description: 'Introspection requests in flight at most (each distinct token not yet remembered is one); past it a request with a new token gets 503 with Retry-After.',
        },
        maxInFlightPerClient: {
          type: 'integer',
          minimum: 1,
          description:
            'Of those, started by one client address (IPv6: its /64) at most; past it a request of that address with a new token gets 503 with Retry-After, so one address flooding made-up tokens leaves room for the others. Default: a quarter of maxInFlight, rounded up.',
        },
      },
    },
    apiKeys: {
      type: 'object',
      description:
        'auth.mode apiKey: keys by the name of their principal, sent as "Authorization: Bearer KEY" or "X-API-Key: KEY". From the environment: MCP__AUTH__APIKEYS__NAME__KEY=...',
      default: {},
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          key: { type: 'string', minLength: 16, writeOnly: true, description: 'The key (16 characters or more).' },
          sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', writeOnly: true, description: "Instead of key: the key's SHA-256 digest in hex, so the configuration never holds the key." },
          scopes: { ...SCOPES, default: [], description: 'Scopes the key grants.' },
        },
      },
    },
  },
} as const;
