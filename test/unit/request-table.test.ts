/** RequestTable: requests in flight by id, in a ring of slots for numbers and a Map for the rest. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import type { RequestId } from '../../src/protocol/jsonrpc.ts';
import { RequestTable } from '../../src/protocol/request-table.ts';

const churn = fileURLToPath(new URL('../fixtures/table-churn.ts', import.meta.url));

async function promotedBytes(table: 'request-table' | 'map', ids: 'numbers' | 'strings'): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', churn, table, ids]);
  return (JSON.parse(stdout) as { promotedBytes: number }).promotedBytes;
}

describe('RequestTable', () => {
  it('keeps number and string ids apart, as JSON-RPC does', () => {
    const table = new RequestTable<string>();
    table.set(1, 'number');
    table.set('1', 'string');
    assert.equal(table.get(1), 'number');
    assert.equal(table.get('1'), 'string');
    assert.equal(table.size, 2);
    assert.ok(table.delete('1'));
    assert.equal(table.get('1'), undefined);
    assert.equal(table.get(1), 'number');
    assert.equal(table.has('1'), false);
    assert.equal(table.has(1), true);
  });

  it('replaces the value of an id it holds, wherever it is held', () => {
    const table = new RequestTable<string>();
    table.set(3, 'a');
    table.set(3, 'b');
    table.set(3 + 8 * 1024, 'c');
    table.set(3 + 8 * 1024, 'd');
    assert.equal(table.size, 2);
    assert.equal(table.get(3), 'b');
    assert.equal(table.get(3 + 8 * 1024), 'd');
  });

  it('holds a number whose slot is taken beside the ring, and finds it after the slot frees', () => {
    const table = new RequestTable<string>();
    // 1,024 apart: the same slot at every size of the ring.
    table.set(5, 'first');
    table.set(5 + 1024, 'second');
    table.set(5 + 2048, 'third');
    assert.equal(table.size, 3);
    assert.ok(table.delete(5));
    assert.equal(table.get(5 + 1024), 'second');
    table.set(5 + 1024, 'second again');
    assert.equal(table.get(5 + 1024), 'second again', 'updated where it is, not put in the freed slot beside it');
    assert.equal(table.size, 2);
    assert.ok(table.delete(5 + 1024));
    assert.equal(table.has(5 + 1024), false);
    assert.equal(table.get(5 + 2048), 'third');
  });

  it('grows with the requests in flight and loses none', () => {
    const table = new RequestTable<number>();
    for (let id = 1; id <= 5000; id++) table.set(id, id * 2);
    assert.equal(table.size, 5000);
    for (let id = 1; id <= 5000; id++) assert.equal(table.get(id), id * 2);
    for (let id = 1; id <= 5000; id += 2) assert.ok(table.delete(id));
    assert.equal(table.size, 2500);
    for (let id = 2; id <= 5000; id += 2) assert.equal(table.get(id), id * 2);
    assert.equal(table.delete(1), false, 'already gone');
  });

  it('goes on after a burst has emptied it, as it was before the burst', () => {
    const table = new RequestTable<number>();
    for (let id = 1; id <= 600; id++) table.set(id, id);
    for (let id = 1; id <= 600; id++) assert.ok(table.delete(id));
    assert.equal(table.size, 0, 'emptied: the ring goes back to its first size');
    for (let id = 700; id < 800; id++) table.set(id, id);
    for (let id = 700; id < 800; id++) assert.equal(table.get(id), id);
    for (let id = 700; id < 800; id++) assert.ok(table.delete(id));
    for (let id = 1; id <= 600; id++) table.set(id, id);
    table.set('s', -1);
    table.set(1 + 1024, 1025);
    for (let id = 1; id <= 600; id++) assert.ok(table.delete(id));
    assert.equal(table.size, 2, 'the string and the number that had no slot are still there');
    assert.ok(table.delete('s'));
    assert.ok(table.delete(1025));
    assert.equal(table.size, 0);
    for (let id = 2000; id < 2100; id++) table.set(id, id);
    for (let id = 2000; id < 2100; id++) assert.equal(table.get(id), id);
    assert.equal(table.size, 100);
    assert.equal(table.get(1), undefined);
  });

  it('keeps string ids in its ring as it keeps numbers, however alike their ends', () => {
    const table = new RequestTable<number>();
    const ids = ['a', '', 'req-1', 'req-2', 'req-11', 'c9a6e2d4-0b5e-4c1e-9f57-2f3a1b0c4d5e', 'x-1', 'y-1', 'é-1'];
    for (const [i, id] of ids.entries()) table.set(id, i);
    for (const [i, id] of ids.entries()) assert.equal(table.get(id), i);
    for (let n = 0; n < 3000; n++) table.set(`5f0e2c-${n}`, n);
    assert.equal(table.size, ids.length + 3000);
    for (let n = 0; n < 3000; n += 3) assert.ok(table.delete(`5f0e2c-${n}`));
    for (let n = 1; n < 3000; n += 3) assert.equal(table.get(`5f0e2c-${n}`), n);
    assert.equal(table.get('5f0e2c-0'), undefined);
    assert.equal(table.has('req-1'), true);
    assert.equal(table.has('req-3'), false);
  });

  it('finds nothing, and does not throw, for what a peer may send where an id belongs', () => {
    const table = new RequestTable<string>();
    table.set(0, 'zero');
    table.set('0', 'string zero');
    for (const sent of [null, undefined, true, false, {}, [], { id: 0 }, [0], NaN]) {
      const id = sent as unknown as RequestId;
      assert.equal(table.get(id), undefined, String(sent));
      assert.equal(table.has(id), false, String(sent));
      assert.equal(table.delete(id), false, String(sent));
    }
    assert.equal(table.size, 2);
    assert.equal(table.get(0), 'zero');
  });

  it('takes any number a client may choose: negative, fractional, past 2^32', () => {
    const table = new RequestTable<string>();
    const ids = [-1, 0, 1.5, 2 ** 32 + 7, 2 ** 53 - 1, 7];
    for (const id of ids) table.set(id, String(id));
    for (const id of ids) assert.equal(table.get(id), String(id));
    assert.equal(table.size, ids.length);
    assert.deepEqual(new Set(table.entries().map(([id]) => id)), new Set(ids));
  });

  it('gives its entries as they are, so that a caller may change it while going through them', () => {
    const table = new RequestTable<string>();
    for (let id = 1; id <= 20; id++) table.set(id, `v${id}`);
    table.set('s', 'vs');
    let seen = 0;
    for (const [id] of table.entries()) {
      table.delete(id);
      seen++;
    }
    assert.equal(seen, 21);
    assert.equal(table.size, 0);
    table.set(1, 'again');
    assert.deepEqual(table.values(), ['again']);
    table.clear();
    assert.equal(table.size, 0);
    assert.equal(table.get(1), undefined);
  });

  it('lets the requests of a busy table die young once the table is old, where a Map has them promoted', async () => {
    // 20,000 requests of about 1 KB each go through a table that lived through two young
    // collections first (table-churn.ts), with numeric ids and with string ids (a prefix and a
    // counter). The Map is the control: it shows the measure sees
    // what a churned Map does (every request promoted with its tables); if it stops seeing it,
    // V8 has changed and RequestTable's reason to be is gone.
    const [numbers, strings, map] = await Promise.all([promotedBytes('request-table', 'numbers'), promotedBytes('request-table', 'strings'), promotedBytes('map', 'numbers')]);
    assert.ok(numbers < 2 * 1024 * 1024, `RequestTable, numeric ids: ${numbers} bytes promoted`);
    assert.ok(strings < 2 * 1024 * 1024, `RequestTable, string ids: ${strings} bytes promoted`);
    assert.ok(map > 8 * 1024 * 1024, `Map: ${map} bytes promoted (the control)`);
  });
});
