/**
 * A pause after the authorization server failed (its key set could not be fetched, its
 * introspection endpoint did not answer properly): for `FAILURE_PAUSE_MS` the same failure is
 * answered without asking it again, then one request, the probe, asks whether it is back
 * while the others keep getting the failure. Without it, while the authorization server is
 * down, every request asks it again: a flood of requests against a server already in trouble,
 * each waiting out its timeout before its client is told to retry.
 *
 * The pause ends on time alone, then on the probe's answer: an answer to a request sent before
 * the failure does not end it early (it says nothing about the server now), and a failure
 * renews it whenever it comes.
 */

/** How long a failure is answered without asking again: the Retry-After of the 503. */
export const FAILURE_PAUSE_MS = 5000;

interface Failure {
  readonly error: unknown;
  readonly until: number;
  probing: boolean;
}

/**
 * @example
 * const pause = new FailurePause();
 * const keys = await pause.run(() => fetchKeySet(url)); // throws the last failure while paused
 */
export class FailurePause {
  readonly pauseMs: number;
  #failure: Failure | undefined;

  constructor(pauseMs = FAILURE_PAUSE_MS) {
    this.pauseMs = pauseMs;
    this.#failure = undefined;
  }

  /**
   * Runs `attempt`, unless a failure is being answered: then rejects with it at once. A failure
   * for which `pauses` is true (default: every one) starts a pause; another one (say, a refusal
   * that only the request's own content caused) does not, and ends the probe like an answer.
   */
  async run<T>(attempt: () => Promise<T>, pauses: (error: unknown) => boolean = () => true): Promise<T> {
    const failure = this.#failure;
    if (failure !== undefined) {
      if (performance.now() < failure.until || failure.probing) throw failure.error;
      failure.probing = true;
    }
    try {
      const result = await attempt();
      this.#over(failure);
      return result;
    } catch (error) {
      if (pauses(error)) this.#failure = { error, until: performance.now() + this.pauseMs, probing: false };
      else this.#over(failure);
      throw error;
    } finally {
      if (failure !== undefined) failure.probing = false;
    }
  }

  /** The probe of `failure` was answered: the pause is over, unless a later failure began another. */
  #over(failure: Failure | undefined): void {
    if (failure !== undefined && this.#failure === failure) this.#failure = undefined;
  }
}
