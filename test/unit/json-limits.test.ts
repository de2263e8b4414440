/** JsonLimits: the iterative walk that measures the nesting and the strings of request params. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonExcess, JsonLimits } from '../../src/security/json-limits.ts';

/** `levels` arrays nested in one another, as JSON. */
const nested = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

describe('jsonExcess', () => {
  it('counts params as level 1, objects and arrays alike', () => {
    assert.equal(jsonExcess({ a: { b: [1] } }, 3, Infinity), undefined);
    assert.equal(jsonExcess({ a: { b: [1] } }, 2, Infinity), 'depth');
    assert.equal(jsonExcess({ a: [{ b: {} }] }, 3, Infinity), 'depth');
    assert.equal(jsonExcess(undefined, 1, 1), undefined);
    assert.equal(jsonExcess(42, 1, 1), undefined);
  });

  it('measures any depth without overflowing the stack', () => {
    assert.equal(jsonExcess(nested(200_000), 64, Infinity), 'depth');
    assert.equal(jsonExcess(nested(64), 64, Infinity), undefined);
  });

  it('finds long strings among values, array items and keys', () => {
    const long = 'x'.repeat(11);
    assert.equal(jsonExcess({ a: 'x'.repeat(10), b: ['y'.repeat(10)] }, Infinity, 10), undefined);
    assert.equal(jsonExcess({ a: { b: long } }, Infinity, 10), 'string');
    assert.equal(jsonExcess({ a: [1, [long]] }, Infinity, 10), 'string');
    assert.equal(jsonExcess({ [long]: 1 }, Infinity, 10), 'string');
    assert.equal(jsonExcess(long, Infinity, 10), 'string');
  });
});

describe('JsonLimits', () => {
  it('needs limits of at least 1', () => {
    assert.throws(() => new JsonLimits({ maxDepth: 0 }), RangeError);
    assert.throws(() => new JsonLimits({ maxStringLength: -1 }), RangeError);
  });
});
