/**
 * HTTP rows: the server started on its pinned core on a free loopback port, one request checked
 * in full with fetch before any load, then wrk runs (drivers/wrk.ts) for the warm-up and each
 * measured run; the server is always stopped.
 */
import { ID_SLOT, wrkLoad, type WrkLoad } from '../drivers/wrk.ts';
import { checkReply, parseHttpBody } from '../lib/check.ts';
import { onServerCores } from '../lib/cores.ts';
import { findInTree } from '../lib/cpu.ts';
import { freePort, HOST, waitForPort } from '../lib/net.ts';
import { startProcess, type Command } from '../lib/process.ts';
import type { HttpTarget } from '../targets.ts';
import { loadTrial, type RowSpec, type Subject, type Trial } from './runner.ts';
import type { Settings } from './types.ts';

/** The load of one row, made once the server listens (a legacy row opens its session then). */
export type PrepareLoad = (url: string) => Promise<Omit<WrkLoad, 'url' | 'connections' | 'seconds'>>;

export interface HttpRowOptions {
  connections: number;
  prepare: PrepareLoad;
  /** Extra environment for the server. */
  env?: Record<string, string>;
}

export function httpRow(target: HttpTarget, settings: Settings, options: HttpRowOptions): RowSpec {
  return { target, open: () => openHttp(target, settings, options) };
}

async function openHttp(target: HttpTarget, settings: Settings, options: HttpRowOptions): Promise<Subject> {
  const port = await freePort();
  const base = target.command(port);
  const command: Command = onServerCores({ ...base, env: { ...base.env, ...options.env } }, target.cores ?? 1);
  const server = startProcess(command);
  const withStderr = (message: string) => `${message}${server.stderrTail() ? `; server stderr: ${server.stderrTail().slice(-300)}` : ''}`;
  try {
    await waitForPort(port, target.startTimeoutMs ?? 20_000, server.exited);
    const url = `http://${HOST}:${port}/mcp`;
    const prepared = await options.prepare(url);
    const load: WrkLoad = { ...prepared, url, connections: options.connections, seconds: settings.httpS };
    await checkOnce(load);
    const run = async (seconds: number): Promise<Trial> => loadTrial(await wrkLoad({ ...load, seconds }), withStderr);
    const focusPid = target.focus === undefined ? undefined : findInTree(server.pid, target.focus);
    if (target.focus !== undefined && focusPid === undefined) throw new Error(`no process with "${target.focus}" in its command line among the server's`);
    return {
      pid: server.pid,
      focusPid,
      warmup: () => run(settings.httpWarmupS),
      trial: () => run(settings.httpS),
      close: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw new Error(withStderr((error as Error).message));
  }
}

/** One request with the load's own headers and body, its reply parsed and checked in full. */
async function checkOnce(load: WrkLoad): Promise<void> {
  const id = typeof load.ids === 'number' ? load.ids : 1;
  const body = load.body.replace(ID_SLOT, String(id)).replace('__CURSOR__', '');
  const response = await fetch(load.url, { method: 'POST', headers: load.headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`first request: HTTP ${response.status} ${text.slice(0, 200)}`);
  const problem = checkReply(parseHttpBody(text), id, load.check);
  if (problem !== undefined) throw new Error(`first request: ${problem}`);
}
