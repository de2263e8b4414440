/** What every load driver reports, whatever the transport. */
import type { LatencySummary } from '../lib/stats.ts';

export interface LoadResult {
  /** Replies that passed their check. */
  ok: number;
  /** Wrong replies, error replies, lost requests, non-2xx statuses, connection errors. */
  errors: number;
  /** A few distinct reasons for the errors. */
  problems: string[];
  /** Checked replies per second over the measured time. */
  rps: number;
  /** Per-request latency in milliseconds. */
  latency: LatencySummary;
  seconds: number;
  /** Requests the good operations took, when one operation may take several (a listing of several pages). */
  requests?: number;
  /** Set when the run could not complete (server died, stalled, refused to start). */
  failure?: string;
}
