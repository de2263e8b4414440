/**
 * Memory held by idle legacy HTTP sessions. Each run starts a fresh server, reads its RSS
 * (VmRSS) after a warm-up batch of sessions and a settle pause, then again after opening N more
 * sessions (initialize + notifications/initialized each) and the same pause; the growth over N
 * is the cost of one idle session.
 *
 * GC cannot be forced (the servers run through their normal entry points, without
 * --expose-gc), so the second reading may still hold garbage from the handshakes: the numbers
 * are an upper bound on the live cost of a session.
 */
import { openSessions } from '../drivers/session.ts';
import { onServerCores } from '../lib/cores.ts';
import { freePort, HOST, waitForPort } from '../lib/net.ts';
import { rssBytes, sleep, startProcess } from '../lib/process.ts';
import { fmtBytes, fmtInt } from '../report/format.ts';
import { HTTP_LEGACY, type HttpTarget } from '../targets.ts';
import { measureRows, type RowSpec, type Trial } from './runner.ts';
import type { Settings, Workload } from './types.ts';

const WARM_SESSIONS = 200;
const CONCURRENCY = 16;
const PEERS = ['mcp-core', 'sdk-v1', 'rmcp', 'python'] as const;

export const sessionsMemory: Workload = {
  id: 'sessions-memory',
  group: 'sessions',
  async run(settings) {
    const specs: RowSpec[] = PEERS.map((key) => {
      const target = withRoom(HTTP_LEGACY.find((t) => t.key === key)!, settings.sessions * 2);
      return { target, open: async () => ({ trial: () => oneServer(target, settings), close: async () => {} }) };
    });
    return {
      id: 'sessions-memory',
      title: `Memory of ${settings.sessions.toLocaleString('en-US')} idle legacy HTTP sessions`,
      description:
        `RSS of the server process (VmRSS from /proc) after ${WARM_SESSIONS} warm-up sessions and a ${settings.sessionSettleMs} ms settle, ` +
        `then after ${settings.sessions.toLocaleString('en-US')} more sessions (initialize + notifications/initialized each, ${CONCURRENCY} at a time) and the same settle. ` +
        `Bytes per session = RSS growth / sessions; ${settings.runs} runs, each on a fresh server.`,
      unit: 'bytes',
      higherIsBetter: false,
      columns: ['bytes per session (median)', 'runs min-max', 'RSS before', 'RSS after', 'open rate /s', 'failed'],
      rows: await measureRows('sessions-memory', specs, settings.runs, (m) => [
        fmtBytes(m.value),
        `${fmtBytes(Math.min(...m.samples))}-${fmtBytes(Math.max(...m.samples))}`,
        fmtBytes(m.metrics.before),
        fmtBytes(m.metrics.after),
        fmtInt(m.metrics.rate),
        fmtInt(m.errors),
      ]),
      notes: [
        'GC cannot be forced through the CLI (no --expose-gc), so the reading is taken after a settle pause instead: garbage not yet collected counts as session memory, making this an upper bound.',
        'mcp-core (MCP__HTTP__SESSIONS__MAXSESSIONS) and the Python SDK (max_sessions) cap sessions at 10,000 by default; both caps are raised here so that the warm-up sessions leave room for the measured ones.',
      ],
    };
  },
};

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

async function oneServer(target: HttpTarget, settings: Settings): Promise<Trial> {
  const port = await freePort();
  const base = target.command(port);
  // mcp-core caps sessions at 10,000 by default; the cap is raised (by its documented
  // environment override) so the warm-up batch does not push the measured ones over it.
  const env: Record<string, string> = target.key === 'mcp-core' ? { MCP__HTTP__SESSIONS__MAXSESSIONS: String(settings.sessions * 2) } : {};
  const server = startProcess(onServerCores({ ...base, env: { ...base.env, ...env } }));
  try {
    await waitForPort(port, 20_000, server.exited);
    const url = `http://${HOST}:${port}/mcp`;
    const warm = await openSessions(url, WARM_SESSIONS, CONCURRENCY);
    if (warm.failed > 0) return failed(`warm-up sessions failed: ${warm.problems.join('; ')}`);
    await sleep(settings.sessionSettleMs);
    const before = rssBytes(server.pid);
    const opened = await openSessions(url, settings.sessions, CONCURRENCY);
    await sleep(settings.sessionSettleMs);
    const after = rssBytes(server.pid);
    if (opened.opened === 0) return failed(`no session opened: ${opened.problems.join('; ')}`);
    return {
      value: (after - before) / opened.opened,
      metrics: { before, after, rate: opened.opened / opened.seconds },
      errors: opened.failed,
      problems: opened.problems,
    };
  } catch (error) {
    return failed(`${(error as Error).message}; ${server.stderrTail().slice(-300)}`);
  } finally {
    await server.stop();
  }
}

const failed = (failure: string): Trial => ({ value: NaN, metrics: {}, errors: 0, problems: [], failure });
