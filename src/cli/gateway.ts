/**
 * The gateway in the binary: `serve` with `mcpServers` in its configuration offers their
 * upstreams' tools, resources and prompts; `tools` lists them and `call` calls one.
 *
 * Hot reload: a change to a config file (or SIGHUP) loads the files again and applies the
 * difference; upstreams whose settings did not change keep their connection and their calls
 * in flight. A configuration that does not load is refused whole, the running one stays.
 * The watch begins once the upstreams have started; a file changed before that, since it was
 * read, is told by its stamp (file-stamps.ts) and reloaded all the same. Stamps also tell a
 * file changed behind a symbolic link (a Kubernetes ConfigMap), where no event names it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { loadConfig, type Config } from '../config/config.ts';
import { resolveManagerConfig } from '../manager/config.ts';
import { Gateway } from '../manager/gateway.ts';
import { McpManager, type ManagerOptions, type ReloadReport } from '../manager/manager.ts';
import type { ReadinessCheckResult } from '../observability/health.ts';
import { changedSince, stampFiles, type FileStamps } from '../security/file-stamps.ts';
import type { McpServer } from '../server/server.ts';
import { notices } from './notices.ts';

export interface RunningGateway {
  manager: McpManager;
  gateway: Gateway;
  /** Readiness: every required upstream is connected. */
  readiness(): ReadinessCheckResult;
  /** Loads the config files again and applies them; refused (and logged) when they are invalid. */
  reload(): Promise<ReloadReport | undefined>;
  close(): Promise<void>;
}

/** Gateway notices (upstreams, reloads) are for the operator: written at the default level, warn. */
function log(message: string): void {
  notices().warn({ component: 'gateway' }, message);
}

export interface GatewayStart {
  /** The config files, read again at each reload. */
  files: readonly string[];
  /**
   * Their stamps from before `config` was read from them: a change made since (while the
   * upstreams started, before the watch began) is reloaded once the watch begins.
   */
  since?: FileStamps;
  /** What the manager is given besides its settings. */
  manager?: ManagerOptions;
}

/**
 * Starts the manager for `config`, offers it on `server`, and waits for the first connection
 * attempt of every upstream (each bounded by its connectTimeoutMs).
 */
export async function startGateway(config: Config, server: McpServer, start: GatewayStart): Promise<RunningGateway> {
  const { files } = start;
  const manager = new McpManager(resolveManagerConfig(config), {}, start.manager);
  const gateway = new Gateway(server, manager);
  await manager.start();
  notConnected(manager, manager.health().upstreams.map((upstream) => upstream.name));

  let closed = false;
  // The files empty in the running configuration (an override kept empty is no mistake).
  let empty = await emptyFiles(files);
  // The files' stamps when they were last read, whether the configuration loaded or not (a
  // broken file is read again when it changes, not at every other change in its directory).
  let read = start.since ?? stampFiles(files);
  const apply = async (): Promise<ReloadReport | undefined> => {
    // A change or SIGHUP that comes while the gateway stops: there is nothing left to reload.
    if (closed) return undefined;
    read = stampFiles(files);
    try {
      const emptyNow = await emptyFiles(files, true);
      const emptied = emptyNow.find((file) => !empty.includes(file));
      if (emptied !== undefined) throw new Error(`Config file ${emptied} is empty (being written?); to remove every upstream, write mcpServers: {}`);
      const report = await manager.reload(resolveManagerConfig(await loadConfig(files)));
      empty = emptyNow;
      const changes = (['added', 'removed', 'replaced', 'updated'] as const).filter((kind) => report[kind].length > 0).map((kind) => `${kind} ${report[kind].join(', ')}`);
      log(`configuration reloaded${changes.length === 0 ? ' (no change to upstreams)' : `: ${changes.join('; ')}`}`);
      // As at start: an upstream the reload started that did not come up says why.
      notConnected(manager, [...report.added, ...report.replaced]);
      return report;
    } catch (error) {
      log(`configuration not reloaded, the running one stays: ${(error as Error).message}`);
      return undefined;
    }
  };
  // One reload runs at a time, and at most one waits behind it: that one reads the files when
  // it starts, so it answers every signal and change that came meanwhile. Each queued a reload
  // of its own, one after another: a storm of SIGHUPs held (and ran) as many reloads.
  let reloading: Promise<ReloadReport | undefined> = Promise.resolve(undefined);
  let waiting: Promise<ReloadReport | undefined> | undefined;
  const reload = () => {
    if (waiting !== undefined) return waiting;
    const next = reloading.then(() => {
      waiting = undefined;
      return apply();
    });
    reloading = waiting = next;
    return next;
  };

  const watchers = config.gateway.watch ? watchFiles(files, () => read, () => void reload()) : [];
  return {
    manager,
    gateway,
    readiness: () => {
      const missing = manager.health().upstreams.filter((upstream) => upstream.required && !upstream.connected).map((upstream) => upstream.name);
      return missing.length === 0 ? { ready: true } : { ready: false, detail: `required upstreams not connected: ${missing.join(', ')}` };
    },
    reload,
    close: async () => {
      closed = true;
      for (const watcher of watchers) watcher.close();
      gateway.detach();
      await manager.close();
    },
  };
}

/**
 * The files of `files` that are empty. One that became empty since the running configuration
 * was loaded is refused at a reload: it is most often being written in place (truncated, not
 * yet written again), or emptied by mistake; as YAML it read as no settings, and the reload
 * stopped every upstream, to start them again at the next. `mcpServers: {}` says so on purpose.
 * At a reload (`reloading`), a FIFO or socket is refused: its read waits for a writer, and
 * that reload hung, with every one after it (a pipe given at start is read then).
 */
async function emptyFiles(files: readonly string[], reloading = false): Promise<string[]> {
  const empty: string[] = [];
  for (const file of files) {
    const stats = await stat(file).catch(() => undefined);
    if (reloading && (stats?.isFIFO() || stats?.isSocket())) throw new Error(`Config file ${file} is a FIFO or socket, which a reload would wait on for ever`);
    if (stats?.isFile() && stats.size === 0) empty.push(file);
  }
  return empty;
}

/** Logs why each of `names` (enabled) is not connected, if it is not. */
function notConnected(manager: McpManager, names: readonly string[]): void {
  for (const upstream of manager.health().upstreams) {
    if (names.includes(upstream.name) && upstream.enabled && !upstream.connected) log(`${upstream.name} is not connected: ${upstream.lastError?.message ?? upstream.state}`);
  }
}

/**
 * Watches each file's directory (editors replace a file rather than write it in place, which
 * ends a watch on the file itself). An event naming one of the files is a change; a burst of
 * them gives one call, 100 ms after the last. Any other event in a watched directory is one
 * when a file's stamp is no longer the one it had when last read (`read()`), looked at 100 ms
 * after the event (at most that often, so a directory written to all the time neither holds
 * back a change nor costs more): a file reached through a symbolic link changes with no event
 * naming it, as when Kubernetes updates a ConfigMap (`gateway.json` links to
 * `..data/gateway.json`, and the `..data` link is replaced). So is a file whose stamp changed
 * before the watch began: no event will say so.
 */
function watchFiles(files: readonly string[], read: () => FileStamps, onChange: () => void): FSWatcher[] {
  let changeTimer: NodeJS.Timeout | undefined;
  let checkTimer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(changeTimer);
    changeTimer = setTimeout(onChange, 100);
  };
  const check = () => {
    checkTimer ??= setTimeout(() => {
      checkTimer = undefined;
      changedSince(read())
        .then((paths) => {
          if (paths.length > 0) changed();
        })
        .catch((error: unknown) => log(`could not tell whether the config files changed: ${(error as Error).message}`));
    }, 100);
  };
  const byDirectory = new Map<string, Set<string>>();
  for (const file of files) {
    const path = resolve(file);
    let names = byDirectory.get(dirname(path));
    if (names === undefined) byDirectory.set(dirname(path), (names = new Set()));
    names.add(basename(path));
  }
  const watchers: FSWatcher[] = [];
  for (const [directory, names] of byDirectory) {
    try {
      const watcher = watch(directory, (_event, name) => (name !== null && names.has(name.toString()) ? changed() : check()));
      watcher.on('error', (error) => log(`not watching ${directory} any more: ${error.message}`));
      watcher.unref();
      watchers.push(watcher);
    } catch (error) {
      log(`cannot watch ${directory} for changes (SIGHUP still reloads): ${(error as Error).message}`);
    }
  }
  // Compared once the watchers run, so that a change lands in one or the other.
  changedSince(read())
    .then((paths) => {
      if (paths.length === 0) return;
      log(`${paths.join(', ')} changed while the gateway started: reloading`);
      changed();
    })
    .catch((error: unknown) => log(`could not tell whether the config files changed while the gateway started: ${(error as Error).message}`));
  return watchers;
}
