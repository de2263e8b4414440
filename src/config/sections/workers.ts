/** `workers`: HTTP server processes sharing one port. */
export const workers = {
  type: 'integer',
  minimum: 1,
  maximum: 256,
  default: 1,
  description: 'HTTP server processes sharing the port (node:cluster), restarted when they crash or stop answering (workerHeartbeatTimeoutMs). Past 1, legacy sessions and tasks cross workers only with store.redis.url.',
} as const;
