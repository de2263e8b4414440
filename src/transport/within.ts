/** Waiting for something with a bound, as closing a transport does. */

/**
 * Resolves with what `promise` resolves to, or false once `ms` have passed first.
 *
 * @example
 * if (!(await within(exited, 2000))) child.kill('SIGKILL');
 */
export async function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
