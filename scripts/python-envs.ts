/**
 * Creates the Python virtual environments the tests use, one per requirements file in
 * test/python-envs/: `.venv/<name>` from `<name>.txt`. An environment is rebuilt only when its
 * requirements file changed since it was made, so a second `npm test` starts at once.
 *
 * Tests find an environment's interpreter with `pythonOf(name)` (test/helpers/python.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const ENVS = join(ROOT, 'test', 'python-envs');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 2, 2] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

for (const file of readdirSync(ENVS).filter((name) => name.endsWith('.txt')).sort()) {
  const name = file.slice(0, -4);
  const requirements = readFileSync(join(ENVS, file), 'utf8');
  const venv = join(ROOT, '.venv', name);
  const stamp = join(venv, 'requirements.txt');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === requirements) continue;
  process.stderr.write(`[python-envs] creating .venv/${name}\n`);
  rmSync(venv, { recursive: true, force: true });
  run('python3', ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(ENVS, file)]);
  writeFileSync(stamp, requirements);
}
