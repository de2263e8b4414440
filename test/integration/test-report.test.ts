/**
 * The suite's own runner settings (package.json's test:unit) deliver every verdict: a test file's
 * process that force-exits the moment its last test ends must not drop the results it has yet to
 * send, or a run counts fewer tests than ran and still passes. Many quick files with long names
 * (a lot to send, sent at the end) under the same flags must report every test.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const FILES = 8;
const TESTS = 300;

/** The flags of the test:unit script, with the files it imports made absolute. */
function runnerFlags(): string[] {
  const script: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['test:unit'];
  const words = script.split(/\s+/).filter((word) => !word.startsWith('"') && word !== 'node');
  return words.map((word) => (word.startsWith('./') ? join(root, word) : word));
}

const dir = mkdtempSync(join(tmpdir(), 'mcp-core-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('reports every verdict of many quick files under the suite runner settings', async () => {
  const name = 'x'.repeat(200);
  for (let file = 0; file < FILES; file++) {
    const tests = Array.from({ length: TESTS }, (_, i) => `test('${i} ${name}', () => {});`);
    writeFileSync(join(dir, `f${file}.test.mjs`), `import { test } from 'node:test';\n${tests.join('\n')}\n`);
  }
  // Run as a runner of its own, not as a file of the run this test belongs to.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  // The report goes to a file, which the runner writes whole before it exits: its own stdout is
  // a pipe too, whose last writes an exit can drop when this process reads slowly.
  const report = join(dir, 'report.tap');
  const child = spawn(process.execPath, [...runnerFlags(), '--test-reporter=tap', `--test-reporter-destination=${report}`, '*.test.mjs'], { cwd: dir, env, stdio: 'ignore' });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  assert.equal(code, 0);
  const out = readFileSync(report, 'utf8');
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(out)?.[1]);
  assert.deepEqual({ tests: count('tests'), pass: count('pass') }, { tests: FILES * TESTS, pass: FILES * TESTS });
});
