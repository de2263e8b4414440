/**
 * The gateway in the binary: `serve` with `mcpServers` in its configuration offers their
 * upstreams' tools, resources and prompts; `tools` lists them and `call` calls one.
 *
 * Hot reload: a change to a config file (or SIGHUP) loads the files again and applies the
 * difference; upstreams whose settings did not change keep their connection and their calls
 * in flight. A configuration that does not load is refused whole, the running one stays.
 * The watch begins once the upstreams have started; a file changed before that, since it was
 * read, is told by its stamp (file-stamps.ts) and reloaded all the same.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadConfig, type Config } from '../config/config.ts';
import { resolveManagerConfig } from '../manager/config.ts';
import { Gateway } from '../manager/gateway.ts';
import { McpManager, type ManagerOptions, type ReloadReport } from '../manager/manager.ts';
import type { ReadinessCheckResult } from '../observability/health.ts';
import { changedSince, type FileStamps } from '../security/file-stamps.ts';
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
  for (const upstream of manager.health().upstreams) {
    if (upstream.enabled && !upstream.connected) log(`${upstream.name} is not connected: ${upstream.lastError?.message ?? upstream.state}`);
  }

  let reloading: Promise<ReloadReport | undefined> = Promise.resolve(undefined);
  const reload = () => {
    reloading = reloading.then(async () => {
      try {
        const report = await manager.reload(resolveManagerConfig(await loadConfig(files)));
        const changes = (['added', 'removed', 'replaced', 'updated'] as const).filter((kind) => report[kind].length > 0).map((kind) => `${kind} ${report[kind].join(', ')}`);
        log(`configuration reloaded${changes.length === 0 ? ' (no change to upstreams)' : `: ${changes.join('; ')}`}`);
        return report;
      } catch (error) {
        log(`configuration not reloaded, the running one stays: ${(error as Error).message}`);
        return undefined;
      }
    });
    return reloading;
  };

  const watchers = config.gateway.watch ? watchFiles(files, start.since, () => void reload()) : [];
  return {
    manager,
    gateway,
    readiness: () => {
      const missing = manager.health().upstreams.filter((upstream) => upstream.required && !upstream.connected).map((upstream) => upstream.name);
      return missing.length === 0 ? { ready: true } : { ready: false, detail: `required upstreams not connected: ${missing.join(', ')}` };
    },
    reload,
    close: async () => {
      for (const watcher of watchers) watcher.close();
      gateway.detach();
      await manager.close();
    },
  };
}

/**
 * Watches each file's directory (editors replace a file rather than write it in place, which
 * ends a watch on the file itself); a burst of changes gives one call, 100 ms after the last.
 * A file whose stamp is no longer the one in `since` changed before the watch began: no event
 * will say so, so that is a change too.
 */
function watchFiles(files: readonly string[], since: FileStamps | undefined, onChange: () => void): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, 100);
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
      const watcher = watch(directory, (_event, name) => {
        if (name !== null && names.has(name.toString())) schedule();
      });
      watcher.on('error', (error) => log(`not watching ${directory} any more: ${error.message}`));
      watcher.unref();
      watchers.push(watcher);
    } catch (error) {
      log(`cannot watch ${directory} for changes (SIGHUP still reloads): ${(error as Error).message}`);
    }
  }
  // Compared once the watchers run, so that a change lands in one or the other.
  if (since !== undefined) {
    changedSince(since)
      .then((changed) => {
        if (changed.length === 0) return;
        log(`${changed.join(', ')} changed while the gateway started: reloading`);
        schedule();
      })
      .catch((error: unknown) => log(`could not tell whether the config files changed while the gateway started: ${(error as Error).message}`));
  }
  return watchers;
}
