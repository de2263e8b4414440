/** `logging`: structured logs (pino) on stderr. */
export const logging = {
  type: 'object',
  description: 'Structured logs on stderr (stdout stays MCP-only under stdio). Each line inside a request carries its requestId and traceId.',
  additionalProperties: false,
  default: {},
  properties: {
    level: {
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'warn',
      description: 'Least severe level written. info adds one line per request (method, tool, outcome, duration); warn and above are the server\'s own notices.',
    },
    format: {
      enum: ['auto', 'json', 'pretty'],
      default: 'auto',
      description: 'json: one JSON object per line. pretty: human-readable (pino-pretty). auto: pretty when stderr is a terminal, JSON otherwise.',
    },
  },
} as const;
