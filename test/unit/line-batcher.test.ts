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

  it('makes deferred lines before it takes the next pino line and before it writes, in order, whatever their number', () => {
    let waiting: string[] = [];
    written(256, (batcher, file) => {
      const make = () => {
        const lines = waiting;
        waiting = [];
        for (const line of lines) batcher.append(line);
      };
      waiting.push('{"n":1}\n', '{"n":2}\n');
      batcher.defer(make);
      batcher.defer(make); // once is enough: made once
      assert.equal(file(), '', 'not made yet');
      batcher.lastLevel = 30;
      batcher.write('{"n":3}\n');
      assert.equal(file(), '', 'made and held');
      // More than a batch holds: a line that does not fit writes what is held, the making goes on.
      for (let n = 4; n < 40; n++) waiting.push(`{"n":${n}}\n`);
      batcher.defer(make);
      batcher.flushSync();
      assert.deepEqual(
        file().split('\n').filter(Boolean).map((line) => JSON.parse(line).n),
        Array.from({ length: 39 }, (_, i) => i + 1),
      );
    });
  });

  it('writes deferred lines within the wait of a batch, without being asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-core-batcher-'));
    const path = join(dir, 'log');
    const fd = openSync(path, 'w');
    try {
      const batcher = new LineBatcher(fd, 4096);
      batcher.defer(() => batcher.append('{"late":true}\n'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(readFileSync(path, 'utf8'), '{"late":true}\n');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
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
