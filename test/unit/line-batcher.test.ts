import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LineBatcher } from '../../src/observability/line-batcher.ts';

/** Runs `write` against a batcher on a real file; returns what reached the file. */
function written(limit: number, write: (batcher: LineBatcher, file: () => string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-core-batcher-'));
  const path = join(dir, 'log');
  const fd = openSync(path, 'w');
  try {
    const batcher = new LineBatcher(fd, limit);
    write(batcher, () => readFileSync(path, 'utf8'));
    batcher.flushSync();
    return readFileSync(path, 'utf8');
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('LineBatcher', () => {
  it('writes lines whole and in order, non-ASCII text and lines longer than a batch included', () => {
    const lines = ['{"n":1,"text":"plain"}\n', '{"n":2,"text":"déjà vu, 東京, 🙂"}\n', `{"n":3,"pad":"${'é'.repeat(100)}"}\n`, '{"n":4}\n', `{"n":5,"pad":"${'x'.repeat(500)}"}\n`, '{"n":6}\n'];
    const out = written(128, (batcher) => {
      for (const line of lines) batcher.append(line);
    });
    assert.equal(out, lines.join(''));
  });

  it('holds lines until the next would not fit (its longest encoding counted), then writes them in one go', () => {
    const line = `{"pad":"${'x'.repeat(20)}"}\n`; // 31 characters, up to 93 bytes: four fit in 200
    written(200, (batcher, file) => {
      for (let n = 0; n < 4; n++) batcher.append(line);
      assert.equal(file(), '', 'held');
      batcher.append(line);
      assert.equal(file(), line.repeat(4), 'the four held, before the line that might not fit');
    });
  });

  it('writes a pino line of level warn at once, with the lines held before it', () => {
    written(4096, (batcher, file) => {
      batcher.append('{"level":30}\n');
      batcher.lastLevel = 30;
      batcher.write('{"level":30}\n');
      assert.equal(file(), '');
      batcher.lastLevel = 40;
      batcher.write('{"level":40}\n');
      assert.equal(file(), '{"level":30}\n{"level":30}\n{"level":40}\n');
    });
  });
});
