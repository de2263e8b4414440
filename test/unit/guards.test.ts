import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeValue, isObject, nestedDeeperThan, stringOr } from '../../src/protocol/guards.ts';
import { extractHeaderParams, valueAt } from '../../src/protocol/header-params.ts';
import { canonicalJson } from '../../src/server/request-state.ts';

const HOSTILE = JSON.parse('[{"toString":1},{"toString":1,"valueOf":1},[{"toString":1}],{"__proto__":{"x":1}}]') as unknown[];

describe('guards for client values', () => {
  it('describes any value without calling into it', () => {
    for (const value of HOSTILE) assert.match(describeValue(value), /^an (object|array)$/);
    assert.equal(describeValue('us-west1'), 'us-west1');
    assert.equal(describeValue('x'.repeat(1000)), `${'x'.repeat(200)}...`);
    assert.equal(describeValue(1e308 * 10), 'Infinity');
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue(undefined), 'nothing');
    assert.equal(stringOr({ toString: 1 }, 'fallback'), 'fallback');
    assert.equal(stringOr('reason', 'fallback'), 'reason');
    assert.equal(isObject([]), false);
    assert.equal(isObject(null), false);
    assert.equal(isObject(HOSTILE[0]), true);
  });

  it('measures nesting of any depth without overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    assert.equal(nestedDeeperThan(deep, 1000), true);
    assert.equal(nestedDeeperThan(deep, 200_000), false);
    // Exactly at the limit and one past it, on both sides of where the walk stops recursing.
    for (const depth of [10, 64, 65, 1000]) {
      const arrays = JSON.parse('['.repeat(depth) + ']'.repeat(depth));
      const objects = JSON.parse('{"a":'.repeat(depth - 1) + '{"a":1}' + '}'.repeat(depth - 1));
      for (const value of [arrays, objects, { wide: [1, 'x', null], deep: arrays }]) {
        const levels = value === arrays || value === objects ? depth : depth + 1;
        assert.equal(nestedDeeperThan(value, levels), false, `${levels} levels within ${levels}`);
        assert.equal(nestedDeeperThan(value, levels - 1), true, `${levels} levels past ${levels - 1}`);
      }
    }
    assert.equal(nestedDeeperThan(JSON.parse('{"a":[{"b":1}]}'), 3), false);
    assert.equal(nestedDeeperThan(JSON.parse('{"a":[{"b":{}}]}'), 3), true);
    assert.equal(nestedDeeperThan('text', 0), false);
  });

  it('canonical JSON: any depth, keys sorted, the same text JSON.stringify gives a sorted copy', () => {
    assert.equal(canonicalJson(JSON.parse('{"b":[1,{"d":null,"c":"x"}],"a":true}')), '{"a":true,"b":[1,{"c":"x","d":null}]}');
    assert.equal(canonicalJson(JSON.parse('{"__proto__":{"z":1},"constructor":2}')), '{"__proto__":{"z":1},"constructor":2}');
    assert.equal(canonicalJson(JSON.parse('['.repeat(50_000) + ']'.repeat(50_000))).length, 100_000);
  });

  it('x-mcp-header values are own properties only (a parameter named "constructor" finds nothing inherited)', () => {
    assert.equal(valueAt({}, ['constructor']), undefined);
    assert.equal(valueAt({ a: {} }, ['a', 'toString']), undefined);
    assert.equal(valueAt({ a: { constructor: 'x' } }, ['a', 'constructor']), 'x');
  });

  it('a tool schema nested 20,000 deep is refused instead of overflowing the x-mcp-header search (a server can send one to a client)', () => {
    const deepProperties = JSON.parse('{"type":"object","properties":{"a":'.repeat(20_000) + '{}' + '}}'.repeat(20_000));
    assert.match(String(extractHeaderParams(deepProperties)), /nested deeper than 64 levels/);
    const deepItems = JSON.parse('{"items":'.repeat(20_000) + '{}' + '}'.repeat(20_000));
    assert.match(String(extractHeaderParams(deepItems)), /nested deeper than 64 levels/);
    assert.deepEqual(extractHeaderParams({ type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } }), [{ name: 'Region', path: ['region'], type: 'string' }]);
  });
});
