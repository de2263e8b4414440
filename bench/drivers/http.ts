/**
 * The HTTP load driver: autocannon (programmatic API) with fixed headers and a fixed body, so
 * every peer receives the same bytes. Each response body is checked (id, no error, echoed text);
 * only checked 2xx responses count as throughput.
 *
 * Inside a legacy session, JSON-RPC ids must not repeat while in flight (servers route replies
 * by id), so `uniqueIds` numbers each request: the body is the fixed one with only the id
 * changed, and each reply is checked against its own request's id.
 *
 * autocannon's own latency histogram has whole-millisecond resolution, too coarse for fast
 * peers, so latencies are taken from its per-response timings (hrtime, fractional ms).
 */
import autocannon from 'autocannon';
import { checkReply, parseHttpBody, type ResultCheck } from '../lib/check.ts';
import { summarize } from '../lib/stats.ts';
import type { LoadResult } from './result.ts';

export interface HttpLoad {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The JSON-RPC id inside `body`, which every reply must carry. */
  id: number;
  /** Give every request its own id (required inside a session). */
  uniqueIds?: boolean;
  check: ResultCheck;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export async function httpLoad(load: HttpLoad): Promise<LoadResult> {
  if (load.warmupSeconds > 0) {
    const warm = await run(load, load.warmupSeconds);
    if (warm.ok === 0) return { ...warm, failure: `warm-up got no good reply: ${warm.problems.join('; ') || 'no response'}` };
  }
  return run(load, load.durationSeconds);
}

async function run(load: HttpLoad, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const problems = new Set<string>();
  let ok = 0;
  let bad = 0;
  const verify = (status: number, body: string, id: number): boolean => {
    let problem: string | undefined;
    if (status < 200 || status > 299) problem = `HTTP ${status}: ${body.slice(0, 160)}`;
    else {
      try {
        problem = checkReply(parseHttpBody(body), id, load.check);
      } catch (error) {
        problem = `unparseable body (${(error as Error).message}): ${body.slice(0, 120)}`;
      }
    }
    if (problem === undefined) {
      ok++;
      return true;
    }
    bad++;
    if (problems.size < 5) problems.add(problem);
    return false;
  };

  let status = 0;
  const options: autocannon.Options = {
    url: load.url,
    method: 'POST',
    headers: load.headers,
    body: load.body,
    connections: load.connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
  };
  if (load.uniqueIds) {
    // The body split around its id, so numbering a request is one string concatenation.
    const marker = `"id":${load.id},`;
    const at = load.body.indexOf(marker);
    if (at === -1) throw new Error(`body has no ${marker}`);
    const head = load.body.slice(0, at + 5);
    const tail = load.body.slice(at + marker.length - 1);
    let next = 1;
    options.requests = [
      {
        setupRequest: (request: autocannon.Request, context: object) => {
          const id = next++;
          (context as { id?: number }).id = id;
          request.body = head + id + tail;
          return request;
        },
        onResponse: (statusCode: number, body: string, context: object) => {
          verify(statusCode, body, (context as { id: number }).id);
        },
      },
    ];
  } else {
    // Called right after the 'response' event of the same reply, so `status` is this reply's.
    options.verifyBody = (body) => verify(status, String(body ?? ''), load.id);
  }
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      status = statusCode;
      latencies.push(responseTimeMs);
    });
  });
  const elapsed = (performance.now() - started) / 1000;
  if (result.errors > 0) problems.add(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  return {
    ok,
    errors: bad + result.errors,
    problems: [...problems],
    rps: ok / elapsed,
    latency: summarize(latencies),
    seconds: elapsed,
    failure: ok === 0 ? `no good reply: ${[...problems].join('; ') || 'no response'}` : undefined,
  };
}
