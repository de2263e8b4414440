/**
 * Runs the Python package's tests (python/tests) with pytest, in `.venv/python` (made by
 * scripts/python-envs.ts from test/python-envs/python.txt, with the package installed from the
 * checkout). The engine must be built first (`npm run build:python`): the tests drive the
 * engine the package ships, as users get it.
 *
 * Extra arguments go to pytest: `npm run test:python -- -k batch`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const python = join(ROOT, '.venv', 'python', 'bin', 'python');
if (!existsSync(python)) throw new Error('.venv/python is missing: run `node scripts/python-envs.ts` first');
if (!existsSync(join(ROOT, 'python', 'mcp_core', '_engine', 'dist', 'bin', 'mcp-core.js'))) {
  throw new Error('the Python package has no engine: run `npm run build:python` first');
}
const result = spawnSync(python, ['-m', 'pytest', 'python/tests', '-q', '-p', 'no:cacheprovider', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  // The pinned Node first on PATH: the tests' own upstream processes run on it.
  env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, PYTHONDONTWRITEBYTECODE: '1' },
});
// pytest's 5 ("no tests collected") is a failure too: a suite that ran nothing proves nothing.
process.exit(result.status ?? 1);
