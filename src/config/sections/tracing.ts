/** `tracing`: OpenTelemetry spans. */
export const tracing = {
  type: 'object',
  description:
    'OpenTelemetry spans: one per request and one per tool call, parented on the traceparent in _meta (over HTTP, in the traceparent header of a request whose _meta has none). The exporter is set by the standard OTEL_* environment variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER, ...).',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Create and export spans.' },
    serviceName: { type: 'string', minLength: 1, description: 'service.name of the spans; OTEL_SERVICE_NAME, then server.name, when unset.' },
  },
} as const;
