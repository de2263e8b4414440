/** Waiting for a file to appear, watched rather than polled. */
import { existsSync, watch } from 'node:fs';
import { dirname } from 'node:path';

/** Resolves once `path` exists (at once if it does already); its directory is watched. */
export function appears(path: string): Promise<void> {
  return new Promise((resolve) => {
    const found = () => {
      if (!existsSync(path)) return;
      watcher.close();
      resolve();
    };
    const watcher = watch(dirname(path), found);
    // Looked for once the watch runs: made before, it is seen here; made after, by the watch.
    found();
  });
}
