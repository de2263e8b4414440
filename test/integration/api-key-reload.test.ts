/**
 * API keys rotated without a restart: `mcp-core serve` with `auth.mode: apiKey` reloads its
 * keys from the config files on SIGHUP (one process, and --workers, where the primary passes
 * the signal on); a key added is accepted, a key removed is refused from the next request, and
 * a configuration that does not load leaves the keys in service.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { call, configFile, text } from '../helpers/auth-requests.ts';
import { startServe, stopServe, type Served } from '../helpers/served.ts';

const OLD_KEY = 'old-key-of-the-ci-runner';
const NEW_KEY = 'new-key-of-the-ci-runner';

const keysConfig = (key: string) => ({ auth: { mode: 'apiKey', apiKeys: { ci: { key } } } });

/** Each call on a connection of its own: with --workers, connections go to the workers in turn. */
async function statuses(served: Served, key: string, count: number): Promise<number[]> {
  const answers = [];
  for (let id = 1; id <= count; id++) answers.push((await call(served.url, key, 'whoami', {}, id)).status);
  return answers;
}

for (const workers of [1, 2]) {
  describe(`API keys reloaded on SIGHUP${workers > 1 ? ` (--workers ${workers})` : ''}`, () => {
    it('puts the keys of the files in service: a new key is accepted, the old one refused; a file that does not load changes nothing', async () => {
      const file = configFile(keysConfig(OLD_KEY));
      const served = await startServe(['--config', file, '--http', '127.0.0.1:0', ...(workers > 1 ? ['--workers', String(workers)] : [])]);
      try {
        assert.equal(text(await call(served.url, OLD_KEY, 'whoami')), 'ci');
        writeFileSync(file, JSON.stringify(keysConfig(NEW_KEY)));
        let reloaded = served.stderrLine(/API keys reloaded: 1 in service/);
        served.process.kill('SIGHUP');
        const first = await reloaded;
        // With workers, each says so on a line of its own (its pid on it).
        if (workers > 1) await served.stderrLine(new RegExp(`"pid":(?!${JSON.parse(first).pid}\\b)\\d+.*API keys reloaded: 1 in service`));
        assert.deepEqual(await statuses(served, NEW_KEY, 2 * workers), Array(2 * workers).fill(200));
        assert.deepEqual(await statuses(served, OLD_KEY, 2 * workers), Array(2 * workers).fill(401));

        writeFileSync(file, JSON.stringify({ auth: { mode: 'apiKey', apiKeys: { ci: { key: 'short' } } } }));
        reloaded = served.stderrLine(/API keys not reloaded, the ones in service stay: .*auth\.apiKeys\.ci\.key/);
        served.process.kill('SIGHUP');
        await reloaded;
        assert.deepEqual(await statuses(served, NEW_KEY, 2 * workers), Array(2 * workers).fill(200));
      } finally {
        await stopServe(served);
      }
    });
  });
}
