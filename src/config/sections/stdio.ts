/** `stdio`: serving one client over stdin/stdout. */
export const stdio = {
  type: 'object',
  description: 'Serving one client over stdin/stdout (newline-delimited JSON).',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Serve over stdio (as --stdio does).' },
    maxMessageBytes: { type: 'integer', minimum: 1, default: 67108864, description: 'Largest accepted message; larger ones are refused with -32600.' },
  },
} as const;
