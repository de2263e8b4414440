/**
 * Workload 6: memory held by idle legacy HTTP sessions. The server's RSS (VmRSS) is read after
 * a warm-up batch of sessions and a settle pause, then again after opening N more sessions
 * (initialize + notifications/initialized each) and the same pause; the growth over N is the
 * cost of one idle session.
 *
 * GC cannot be forced (the servers run through their normal entry points, without
 * --expose-gc), so the second reading may still hold garbage from the handshakes: the numbers
 * are an upper bound on the live cost of a session.
 */
import { openSessions } from '../drivers/session.ts';
import { rssBytes, sleep } from '../lib/process.ts';
import { fmtBytes, fmtInt } from '../report/format.ts';
import { HTTP_LEGACY, type HttpTarget, type PeerKey } from '../targets.ts';
import { withHttpServer } from './http-runner.ts';
import { failedRow, progress } from './rows.ts';
import type { Row, Settings, WorkloadResult } from './types.ts';

const WARM_SESSIONS = 200;
const CONCURRENCY = 16;

export async function sessionsMemory(settings: Settings): Promise<WorkloadResult> {
  const peers: PeerKey[] = settings.quick ? ['mcp-core', 'sdk-v1'] : ['mcp-core', 'sdk-v1', 'rmcp', 'python'];
  const targets = peers.map((key) => withRoom(HTTP_LEGACY.find((t) => t.key === key)!, settings.sessions * 2));
  const rows: Row[] = [];
  for (const target of targets) {
    // mcp-core caps sessions at 10,000 by default; the cap is raised (by its documented
    // environment override) so the warm-up batch does not push the measured ones over it.
    const env: Record<string, string> = target.key === 'mcp-core' ? { MCP__HTTP__SESSIONS__MAXSESSIONS: String(settings.sessions * 2) } : {};
    const row = await withHttpServer(target, ({ url, server }) => measure(target, url, server.pid, settings), env);
    progress('sessions-memory', target, row);
    rows.push(row);
  }
  return {
    id: 'sessions-memory',
    title: `Memory of ${settings.sessions.toLocaleString('en-US')} idle legacy HTTP sessions`,
    description:
      `RSS of the server process (VmRSS from /proc) after ${WARM_SESSIONS} warm-up sessions and a ${settings.sessionSettleMs} ms settle, ` +
      `then after ${settings.sessions.toLocaleString('en-US')} more sessions (initialize + notifications/initialized each, ${CONCURRENCY} at a time) and the same settle. ` +
      'Bytes per session = RSS growth / sessions.',
    unit: 'bytes',
    higherIsBetter: false,
    columns: ['bytes per session', 'RSS before', 'RSS after', 'sessions opened', 'open rate /s', 'failed'],
    rows,
    notes: [
      'GC cannot be forced through the CLI (no --expose-gc), so the reading is taken after a settle pause instead: garbage not yet collected counts as session memory, making this an upper bound.',
      'mcp-core (MCP__HTTP__SESSIONS__MAXSESSIONS) and the Python SDK (max_sessions) cap sessions at 10,000 by default; both caps are raised here so that the warm-up sessions leave room for the measured ones.',
    ],
  };
}

/** The Python SDK takes its session cap on the command line (see peers/python-echo). */
function withRoom(target: HttpTarget, sessions: number): HttpTarget {
  if (target.key !== 'python') return target;
  return {
    ...target,
    command: (port) => {
      const base = target.command(port);
      return { ...base, args: [...base.args, '--max-sessions', String(sessions)] };
    },
  };
}

async function measure(target: HttpTarget, url: string, pid: number, settings: Settings): Promise<Row> {
  const warm = await openSessions(url, WARM_SESSIONS, CONCURRENCY);
  if (warm.failed > 0) return failedRow(target, `warm-up sessions failed: ${warm.problems.join('; ')}`, warm.failed, warm.problems);
  await sleep(settings.sessionSettleMs);
  const before = rssBytes(pid);
  const opened = await openSessions(url, settings.sessions, CONCURRENCY);
  await sleep(settings.sessionSettleMs);
  const after = rssBytes(pid);
  if (opened.opened === 0) return failedRow(target, `no session opened: ${opened.problems.join('; ')}`, opened.failed, opened.problems);
  const perSession = (after - before) / opened.opened;
  return {
    key: target.key,
    mode: target.mode,
    value: perSession,
    cells: [fmtBytes(perSession), fmtBytes(before), fmtBytes(after), fmtInt(opened.opened), fmtInt(opened.opened / opened.seconds), fmtInt(opened.failed)],
    errors: opened.failed,
    problems: opened.problems,
  };
}
