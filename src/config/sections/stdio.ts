/** `stdio`: serving one client over stdin/stdout. */
export const stdio = {
  type: 'object',
  description: 'Serving one client over stdin/stdout (newline-delimited JSON).',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Serve over stdio (as --stdio does).' },
    maxMessageBytes: { type: 'integer', minimum: 1, default: 67108864, description: 'Largest accepted message; larger ones are refused with -32600.' },
    principal: {
      type: 'object',
      description: 'Who the stdio client is, as tool handlers see it in ctx.auth (whoever starts the process vouches for it). Anonymous when unset.',
      additionalProperties: false,
      required: ['subject'],
      properties: {
        subject: { type: 'string', minLength: 1, description: 'The principal\'s subject: tasks and requestState are bound to it.' },
        clientId: { type: 'string', minLength: 1, description: 'The client application, when it matters to handlers.' },
        scopes: { type: 'array', items: { type: 'string' }, default: [], description: 'Scopes granted to the client.' },
      },
    },
  },
} as const;
