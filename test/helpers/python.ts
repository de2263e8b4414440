/** The Python interpreters of the test environments made by scripts/python-envs.ts. */
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** The interpreter of `.venv/<name>` (from test/python-envs/<name>.txt). */
export function pythonOf(name: 'peers' | 'mcp1'): string {
  return join(ROOT, '.venv', name, 'bin', 'python');
}
