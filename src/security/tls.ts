/**
 * HTTPS from certificate files that change on disk: a renewed certificate (cert-manager, a
 * Kubernetes secret's symlink swap, certbot) is served from the next check on, without a
 * restart (`setSecureContext`). The files are polled with `stat`: unlike inotify watches, that
 * follows symlink swaps and works on every filesystem. A change that does not load (a
 * certificate without its new key yet, a half-written file) is reported and the previous
 * certificate stays in service until a later check succeeds.
 *
 * Each check compares with the stamps taken before the files in service were read, not with
 * the check before it (as fs.watchFile does, whose first `stat` runs later, on the thread
 * pool): a file replaced while the server was starting is still a change (file-stamps.ts).
 */
import { readFileUpTo } from '../protocol/bounded-file.ts';
import { oneAtATime } from '../protocol/one-at-a-time.ts';
import { checkTimerMs } from '../protocol/timer-limit.ts';
import type { SecureContextOptions } from 'node:tls';
import { sameStamp, stampFiles, stampNow, type FileStamps } from './file-stamps.ts';
import { checkTlsContext } from './tls-check.ts';

export interface TlsFiles {
  /** PEM certificate chain, the server's certificate first. */
  certFile: string;
  /** PEM private key. */
  keyFile: string;
  /** Passphrase of an encrypted key. */
  passphrase?: string;
  /** PEM certificates of the authorities that sign client certificates (mTLS). */
  caFile?: string;
}

/**
 * A TLS file holds at most this much: a certificate chain with its authorities is a few KiB
 * (a bundle of every public authority, about 200 KiB), and a path to /dev/zero was read until
 * memory ran out, at start and at each reload.
 */
export const MAX_TLS_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Reads the files into secure-context options that make a context; the error names the file
 * that failed and why (tls-check.ts).
 */
export async function readTlsFiles(files: TlsFiles): Promise<SecureContextOptions> {
  const read = async (setting: string, path: string) => {
    try {
      return await readFileUpTo(path, MAX_TLS_FILE_BYTES);
    } catch (error) {
      throw new Error(`cannot read ${setting} ${path}: ${(error as Error).message}`);
    }
  };
  const [cert, key, ca] = await Promise.all([
    read('tls.certFile', files.certFile),
    read('tls.keyFile', files.keyFile),
    files.caFile === undefined ? undefined : read('tls.caFile', files.caFile),
  ]);
  const options: SecureContextOptions = { cert, key };
  if (ca !== undefined) options.ca = ca;
  if (files.passphrase !== undefined) options.passphrase = files.passphrase;
  checkTlsContext(
    options,
    { setting: 'tls.certFile', path: files.certFile, pem: cert },
    { setting: 'tls.keyFile', path: files.keyFile, pem: key },
    ca === undefined ? undefined : { setting: 'tls.caFile', path: files.caFile!, pem: ca },
  );
  return options;
}

function pathsOf(files: TlsFiles): string[] {
  return [...new Set([files.certFile, files.keyFile, ...(files.caFile === undefined ? [] : [files.caFile])])];
}

/** The files' stamps now: take them before reading the files, and watch from them. */
export function stampTlsFiles(files: TlsFiles): FileStamps {
  return stampFiles(pathsOf(files));
}

export interface TlsWatchOptions {
  /**
   * How often the files are checked. At most 2147483647 (2^31 - 1 ms, about 24.8 days, the
   * longest a timer holds): a longer one is refused with a RangeError.
   */
  intervalMs: number;
  /** Puts new options in service; throws when they do not make a valid context. */
  apply: (options: SecureContextOptions) => void;
  /** Told of each reload and each failed one. */
  report: (message: string) => void;
}

/**
 * Reloads the TLS files whenever one differs from its stamp in `since` (taken before the
 * files in service were read). Returns a function that stops watching.
 *
 * @example
 * const since = stampTlsFiles(files);
 * const server = https.createServer(await readTlsFiles(files), handler);
 * const stop = watchTlsFiles(files, since, { intervalMs: 5000, apply: (o) => server.setSecureContext(o), report: console.error });
 */
export function watchTlsFiles(files: TlsFiles, since: FileStamps, options: TlsWatchOptions): () => void {
  checkTimerMs('intervalMs', options.intervalMs);
  const stamps = new Map(since);
  const reload = oneAtATime(() =>
    readTlsFiles(files)
      .then((context) => {
        options.apply(context);
        options.report(`TLS certificate reloaded from ${files.certFile}`);
      })
      .catch((error: unknown) => options.report(`TLS reload failed, the previous certificate stays in service: ${(error as Error)?.message ?? String(error)}`)),
  );
  let checking = false;
  // Never rejects: a file that cannot be stat'ed is a stamp of its own (undefined), and reload
  // reports its own failures.
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    let changed = false;
    for (const [path, before] of stamps) {
      const now = await stampNow(path);
      if (!sameStamp(before, now)) {
        stamps.set(path, now);
        changed = true;
      }
    }
    checking = false;
    if (changed) reload();
  };
  const timer = setInterval(() => void check(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
