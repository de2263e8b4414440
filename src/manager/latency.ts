/**
 * Call latencies of one upstream: the last samples in a fixed ring, percentiles computed only
 * when someone asks (`health()`), so recording a call costs one array write.
 */

/** Percentiles of the recent calls, in milliseconds (rounded to 0.01 ms). */
export interface LatencySummary {
  p50: number | null;
  p99: number | null;
  /** How many calls the percentiles are computed from. */
  samples: number;
}

export class LatencyWindow {
  readonly #samples: Float64Array;
  #next: number;
  #count: number;

  constructor(size = 1024) {
    this.#samples = new Float64Array(size);
    this.#next = 0;
    this.#count = 0;
  }

  record(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    if (this.#count < this.#samples.length) this.#count++;
  }

  summary(): LatencySummary {
    if (this.#count === 0) return { p50: null, p99: null, samples: 0 };
    const sorted = this.#samples.slice(0, this.#count).sort();
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] * 100) / 100;
    return { p50: at(0.5), p99: at(0.99), samples: this.#count };
  }
}
