/**
 * How many timers `work` starts (setTimeout and setInterval, unref'd ones included, which
 * process.getActiveResourcesInfo() leaves out), counted by wrapping the globals while it runs.
 */
export function timersStarted(work: () => void): number {
  const { setTimeout: timeout, setInterval: interval } = globalThis;
  let started = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => (started++, timeout(...args))) as typeof setTimeout;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => (started++, interval(...args))) as typeof setInterval;
  try {
    work();
  } finally {
    globalThis.setTimeout = timeout;
    globalThis.setInterval = interval;
  }
  return started;
}
