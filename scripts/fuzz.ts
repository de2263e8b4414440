/**
 * Longer fuzz runs than `npm test` makes: every target in test/fuzz/ with the given number of
 * cases each (a target whose case is a whole sequence of exchanges runs a share of it, see
 * test/fuzz/support/runs.ts), without the per-test timeout.
 *
 *   npm run fuzz                          # 20,000 cases per target
 *   npm run fuzz -- --runs 100000         # more
 *   npm run fuzz -- --seed 1234567        # replay a failure fast-check reported
 *   npm run fuzz -- --runs 5000 test/fuzz/http.test.ts    # one target
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const DEFAULT_RUNS = 20_000;

const args = process.argv.slice(2);
const env: NodeJS.ProcessEnv = { ...process.env, FUZZ_RUNS: String(DEFAULT_RUNS) };
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--runs' || arg === '--seed') {
    const value = args[++i];
    if (value === undefined || !/^-?\d+$/.test(value)) {
      process.stderr.write(`fuzz: ${arg} needs a whole number\n`);
      process.exit(2);
    }
    env[arg === '--runs' ? 'FUZZ_RUNS' : 'FUZZ_SEED'] = value;
  } else {
    files.push(arg);
  }
}

const root = join(import.meta.dirname, '..');
const targets = files.length > 0 ? files : ['test/fuzz/**/*.test.ts'];
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=0', ...targets], { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
