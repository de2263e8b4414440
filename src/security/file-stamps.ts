/**
 * Whether files changed since a moment: each file's stamp (modification time, inode, size),
 * taken before the files are read, and compared once they are watched. Compared with the
 * stamps of that moment rather than with the first look of a watcher (fs.watchFile's first
 * `stat` runs later, and fs.watch sees nothing from before it starts), a file replaced while
 * the server was starting is still a change.
 */
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';

/** What a check compares: a change of any of these is a change of the file. */
export interface FileStamp {
  mtimeMs: number;
  ino: number;
  size: number;
}

/** Each file's stamp (undefined: it could not be read) when they were taken. */
export type FileStamps = ReadonlyMap<string, FileStamp | undefined>;

function stampOf(stats: { mtimeMs: number; ino: number; size: number }): FileStamp {
  return { mtimeMs: stats.mtimeMs, ino: stats.ino, size: stats.size };
}

/**
 * The files' stamps now, taken synchronously: take them just before reading the files.
 *
 * @example
 * const since = stampFiles(paths);
 * const config = await loadConfig(paths);
 * // ... later, once watching:
 * if ((await changedSince(since)).length > 0) reload();
 */
export function stampFiles(paths: Iterable<string>): FileStamps {
  const stamps = new Map<string, FileStamp | undefined>();
  for (const path of paths) {
    try {
      stamps.set(path, stampOf(statSync(path)));
    } catch {
      stamps.set(path, undefined);
    }
  }
  return stamps;
}

/** A file's stamp now; undefined when it cannot be read. Never rejects. */
export function stampNow(path: string): Promise<FileStamp | undefined> {
  return stat(path).then(stampOf, () => undefined);
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.size === b.size);
}

/** The files of `since` whose stamp is not the same now. Never rejects. */
export async function changedSince(since: FileStamps): Promise<string[]> {
  const changed: string[] = [];
  for (const [path, before] of since) if (!sameStamp(before, await stampNow(path))) changed.push(path);
  return changed;
}
