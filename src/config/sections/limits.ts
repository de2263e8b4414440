/** `limits`: the shape of requests, how much work runs at once, and how much may wait. */
const CALLS = {
  maxCalls: { type: 'integer', minimum: 1, description: 'Calls running at once.' },
  maxQueued: { type: 'integer', minimum: 0, default: 0, description: 'Calls waiting for a slot; past it, calls are refused at once (HTTP 503 with Retry-After).' },
} as const;

export const limits = {
  type: 'object',
  description: 'Limits on the shape of requests and on the work the server does at once.',
  additionalProperties: false,
  default: {},
  properties: {
    json: {
      type: 'object',
      description:
        "The shape of requests' params: deeper nesting or longer strings are refused before any handler or validator sees them (-32602, HTTP 400). Off unless set; the message size limits (http.maxBodyBytes, stdio.maxMessageBytes) bound both meanwhile.",
      additionalProperties: false,
      default: {},
      properties: {
        maxDepth: { type: 'integer', minimum: 1, description: 'How deep objects and arrays may nest in params (params itself is level 1); 64 is plenty for any tool.' },
        maxStringLength: { type: 'integer', minimum: 1, description: 'The longest string value or object key in params, in UTF-16 code units.' },
      },
    },
    concurrency: {
      type: 'object',
      description:
        'Backpressure: calls that run handlers (tools/call, resources/read, prompts/get, completion/complete) past maxCalls wait in a bounded queue; past the queue, or after queueTimeoutMs in it, they are refused (HTTP 503 with Retry-After, or a JSON-RPC error over stdio). Off unless set.',
      additionalProperties: false,
      default: {},
      properties: {
        ...CALLS,
        queueTimeoutMs: { type: 'integer', minimum: 1, default: 30000, description: 'A call that waited this long for a slot is refused.' },
        retryAfterSec: { type: 'integer', minimum: 1, default: 1, description: 'The Retry-After of an overload refusal.' },
        tools: {
          type: 'object',
          default: {},
          description: 'Limits of particular tools, by name (each also counts against maxCalls).',
          additionalProperties: { type: 'object', additionalProperties: false, required: ['maxCalls'], properties: CALLS },
        },
      },
    },
  },
} as const;
