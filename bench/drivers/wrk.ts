/**
 * The HTTP load driver: wrk (C, one event loop per thread) with drivers/wrk.lua, pinned to the
 * generator's core. The script sends fixed headers and body (or the body with each request's
 * own id, or with the cursor of the page to fetch next) and checks every response as it
 * arrives; a sample of the bodies is then parsed here as JSON and checked in full.
 *
 * Only checked responses count as throughput. Latency is wrk's per-request time (µs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkReply, parseHttpBody, type ResultCheck } from '../lib/check.ts';
import { onGeneratorCore } from '../lib/cores.ts';
import { BENCH_DIR } from '../lib/paths.ts';
import type { LoadResult } from './result.ts';

/** Where the request id goes in a numbered body, and where the cursor goes in a listing body. */
export const ID_SLOT = '__ID__';
export const CURSOR_SLOT = '__CURSOR__';

export interface WrkLoad {
  url: string;
  headers: Record<string, string>;
  /** The request body; holds ID_SLOT when ids are numbered, CURSOR_SLOT when listing. */
  body: string;
  /** A fixed id every reply must carry, or 'numbered': each request gets its own. */
  ids: number | 'numbered';
  /** Strings every good body contains, and strings none does (checked on every response). */
  expect: string[];
  reject: string[];
  /** Follow nextCursor to the last page; a listing is good when `needle` occurs `total` times over its pages. */
  list?: { needle: string; total: number };
  /** The full check of a sampled reply's result. */
  check: ResultCheck;
  connections: number;
  seconds: number;
  /** wrk threads (each with connections / threads connections). Default 1 (a listing: one per connection). */
  threads?: number;
  /**
   * Several servers behind `url`'s path (`host:port` each): thread i connects to server
   * i mod n, so connections are spread round-robin as an L4 load balancer spreads them, with no
   * proxy in the path. `threads` should be a multiple of their number.
   */
  servers?: readonly string[];
}

const SCRIPT = join(BENCH_DIR, 'drivers', 'wrk.lua');
const SAMPLES_PER_THREAD = 8;

export async function wrkLoad(load: WrkLoad): Promise<LoadResult> {
  // A listing keeps its cursor per thread, so each connection gets a thread of its own.
  const threads = load.list === undefined ? (load.threads ?? 1) : load.connections;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-core-bench-wrk-'));
  try {
    const config = join(dir, 'config');
    const out = join(dir, 'out');
    const lines = [`threads ${threads}`, `out ${out}`, `samples ${SAMPLES_PER_THREAD}`, `body ${load.body}`];
    lines.push(load.ids === 'numbered' ? 'ids numbered' : `ids fixed ${load.ids}`);
    for (const [name, value] of Object.entries(load.headers)) lines.push(`header ${name}: ${value}`);
    for (const text of load.expect) lines.push(`expect ${text}`);
    for (const text of load.reject) lines.push(`reject ${text}`);
    if (load.list !== undefined) lines.push(`list ${load.list.needle} ${load.list.total}`);
    for (const server of load.servers ?? []) lines.push(`server ${server.replace(':', ' ')}`);
    for (const line of lines) if (line.includes('\n')) throw new Error(`wrk config line holds a newline: ${line.slice(0, 80)}`);
    writeFileSync(config, `${lines.join('\n')}\n`);
    // wrk takes whole seconds.
    const args = ['-t', String(threads), '-c', String(load.connections), '-d', `${Math.max(1, Math.round(load.seconds))}s`, '--timeout', '10s', '-s', SCRIPT, load.url];
    const stderr = await runWrk(args, config);
    let text: string;
    try {
      text = readFileSync(out, 'utf8');
    } catch {
      return failed(`wrk wrote no results: ${stderr.slice(-300)}`);
    }
    return resultOf(text, load);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runWrk(args: string[], config: string): Promise<string> {
  const cmd = onGeneratorCore({ command: 'wrk', args });
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, [...cmd.args], { env: { ...process.env, BENCH_WRK_CONFIG: config }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    child.once('error', (error) => reject(new Error(`wrk could not run (${error.message}): run bench/setup.ts for how to install it`)));
    child.once('exit', () => resolve(stderr));
  });
}

interface Summary {
  ok: number;
  bad: number;
  pages: number;
  /** Pages of the good operations (one each, unless listings take several). */
  okPages: number;
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
}

/** Reads the records done() wrote: `kind id length`, then the payload on its own line(s). */
function resultOf(text: string, load: WrkLoad): LoadResult {
  const problems = new Set<string>();
  let summary: Summary | undefined;
  let sampled = 0;
  let sampleBad = 0;
  let at = 0;
  while (at < text.length) {
    const eol = text.indexOf('\n', at);
    const [kind, id, length] = text.slice(at, eol).split(' ');
    if (kind === 'summary') {
      const end = text.indexOf('\n', eol + 1);
      summary = JSON.parse(text.slice(eol + 1, end)) as Summary;
      at = end + 1;
      continue;
    }
    const payload = text.slice(eol + 1, eol + 1 + Number(length));
    at = eol + 1 + Number(length) + 1;
    if (kind === 'problem') problems.add(payload);
    else if (kind === 'sample') {
      sampled++;
      const problem = fullCheck(payload, load.ids === 'numbered' ? Number(id) : load.ids, load.check);
      if (problem !== undefined) {
        sampleBad++;
        problems.add(`sampled reply: ${problem}`);
      }
    }
  }
  if (summary === undefined) return failed('wrk results hold no summary');
  const socketErrors = summary.connect + summary.read + summary.write + summary.timeout;
  if (socketErrors > 0) problems.add(`socket errors: ${summary.connect} connect, ${summary.read} read, ${summary.write} write, ${summary.timeout} timeouts`);
  if (sampled === 0 && summary.ok > 0) problems.add('no reply was sampled for the full check');
  const seconds = summary.durationUs / 1e6;
  // A sampled reply that fails the full check makes the whole run suspect: nothing counts.
  const ok = sampleBad > 0 || sampled === 0 ? 0 : summary.ok;
  return {
    ok,
    errors: summary.bad + socketErrors + sampleBad,
    problems: [...problems].slice(0, 5),
    rps: ok / seconds,
    latency: { p50: summary.p50Us / 1000, p99: summary.p99Us / 1000, mean: summary.meanUs / 1000 },
    seconds,
    requests: ok === 0 ? undefined : summary.okPages,
    failure: ok === 0 ? `no good reply: ${[...problems].join('; ') || 'no response'}` : undefined,
  };
}

function fullCheck(body: string, id: number, check: ResultCheck): string | undefined {
  try {
    return checkReply(parseHttpBody(body), id, check);
  } catch (error) {
    return `unparseable body (${(error as Error).message}): ${body.slice(0, 120)}`;
  }
}

function failed(failure: string): LoadResult {
  return { ok: 0, errors: 0, problems: [failure], rps: 0, latency: { p50: NaN, p99: NaN, mean: NaN }, seconds: 0, failure };
}
