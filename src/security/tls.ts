/**
 * HTTPS from certificate files that change on disk: a renewed certificate (cert-manager, a
 * Kubernetes secret's symlink swap, certbot) is served from the next check on, without a
 * restart (`setSecureContext`). The files are polled with `stat` (fs.watchFile): unlike
 * inotify watches, that follows symlink swaps and works on every filesystem. A change that
 * does not load (a certificate without its new key yet, a half-written file) is reported and
 * the previous certificate stays in service until a later check succeeds.
 */
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';

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

/** Reads the files into secure-context options; the error names the file that failed. */
export async function readTlsFiles(files: TlsFiles): Promise<SecureContextOptions> {
  const read = async (setting: string, path: string) => {
    try {
      return await readFile(path);
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
  return options;
}

export interface TlsWatchOptions {
  /** How often the files are checked. */
  intervalMs: number;
  /** Puts new options in service; throws when they do not make a valid context. */
  apply: (options: SecureContextOptions) => void;
  /** Told of each reload and each failed one. */
  report: (message: string) => void;
}

/**
 * Reloads the TLS files whenever one changes. Returns a function that stops watching.
 *
 * @example
 * const stop = watchTlsFiles(files, { intervalMs: 5000, apply: (o) => server.setSecureContext(o), report: console.error });
 */
export function watchTlsFiles(files: TlsFiles, options: TlsWatchOptions): () => void {
  const paths = [...new Set([files.certFile, files.keyFile, ...(files.caFile === undefined ? [] : [files.caFile])])];
  let loading = false;
  let again = false;
  const reload = (): void => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    readTlsFiles(files)
      .then((context) => {
        options.apply(context);
        options.report(`TLS certificate reloaded from ${files.certFile}`);
      })
      .catch((error: unknown) => options.report(`TLS reload failed, the previous certificate stays in service: ${(error as Error)?.message ?? String(error)}`))
      .finally(() => {
        loading = false;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  const changed = (current: Stats, previous: Stats) => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino || current.size !== previous.size) reload();
  };
  for (const path of paths) watchFile(path, { interval: options.intervalMs, persistent: false }, changed);
  return () => {
    for (const path of paths) unwatchFile(path, changed);
  };
}
