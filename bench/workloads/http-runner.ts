/**
 * HTTP rows: the server started on its pinned core on a free loopback port (or several replicas
 * of it, each on its own port), one request checked in full with fetch before any load (on each
 * replica), then wrk runs (drivers/wrk.ts) for the warm-up and each measured run; the servers
 * are always stopped.
 */
import { ID_SLOT, wrkLoad, type WrkLoad } from '../drivers/wrk.ts';
import { checkReply, parseHttpBody } from '../lib/check.ts';
import { onReplicaCores, onServerCores } from '../lib/cores.ts';
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
  /**
   * Replicas of the server, each on its own port and cores (lib/cores.ts onReplicaCores), with
   * wrk's `threads` spread over them round-robin (drivers/wrk.ts `servers`). The load is
   * prepared on the first.
   */
  replicas?: { count: number; threads: number };
}

export function httpRow(target: HttpTarget, settings: Settings, options: HttpRowOptions): RowSpec {
  return { target, open: () => openHttp(target, settings, options) };
}

async function openHttp(target: HttpTarget, settings: Settings, options: HttpRowOptions): Promise<Subject> {
  const count = options.replicas?.count ?? 1;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const servers = ports.map((port, index) => {
    const base = target.command(port);
    const command: Command = { ...base, env: { ...base.env, ...options.env } };
    return startProcess(options.replicas === undefined ? onServerCores(command, target.cores ?? 1) : onReplicaCores(command, index, count));
  });
  const stop = () => Promise.all(servers.map((server) => server.stop())).then(() => undefined);
  const withStderr = (message: string) => {
    const tails = servers.map((server) => server.stderrTail()).filter((tail) => tail !== '');
    return `${message}${tails.length > 0 ? `; server stderr: ${tails.map((tail) => tail.slice(-300)).join(' / ')}` : ''}`;
  };
  try {
    for (const [i, port] of ports.entries()) await waitForPort(port, target.startTimeoutMs ?? 20_000, servers[i].exited);
    const urls = ports.map((port) => `http://${HOST}:${port}/mcp`);
    const prepared = await options.prepare(urls[0]);
    const load: WrkLoad = {
      ...prepared,
      url: urls[0],
      connections: options.connections,
      seconds: settings.httpS,
      threads: options.replicas?.threads,
      servers: options.replicas === undefined ? undefined : ports.map((port) => `${HOST}:${port}`),
    };
    for (const url of urls) await checkOnce({ ...load, url });
    const run = async (seconds: number): Promise<Trial> => loadTrial(await wrkLoad({ ...load, seconds }), withStderr);
    const focusPid = target.focus === undefined ? undefined : findInTree(servers[0].pid, target.focus);
    if (target.focus !== undefined && focusPid === undefined) throw new Error(`no process with "${target.focus}" in its command line among the server's`);
    return {
      pid: count === 1 ? servers[0].pid : servers.map((server) => server.pid),
      focusPid,
      warmup: () => run(settings.httpWarmupS),
      trial: () => run(settings.httpS),
      close: stop,
    };
  } catch (error) {
    await stop();
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
