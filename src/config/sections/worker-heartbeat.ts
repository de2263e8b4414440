/** `workerHeartbeatTimeoutMs`: how long a worker of `--workers` may leave the primary's heartbeat unanswered. */
export const workerHeartbeatTimeoutMs = {
  type: 'integer',
  minimum: 0,
  // The longest delay a Node.js timer takes; past it a timer fires at once.
  maximum: 2147483647,
  default: 10000,
  description:
    'With workers past 1: a worker that has not answered the primary\'s heartbeat for this long (stopped, or its event loop blocked) is killed and replaced, and the connections handed to it that it had not taken yet go to the other workers. 0 turns the heartbeat off (a worker paused in a debugger).',
} as const;
