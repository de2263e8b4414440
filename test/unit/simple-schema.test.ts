/**
 * The plain-schema validator must agree with ajv on what is valid: the same schemas and values
 * go through both, a corpus and random JSON values.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { compileSimpleSchema } from '../../src/protocol/simple-schema.ts';
import { fuzzParameters } from '../fuzz/support/runs.ts';

const SCHEMAS: unknown[] = [
  { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  { type: 'object', properties: { a: { type: 'number' }, b: { type: 'integer', minimum: 0, exclusiveMaximum: 10 } }, required: ['a'], additionalProperties: false },
  { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } },
  { type: ['string', 'null'], minLength: 2 },
  { type: 'array', items: { enum: [1, 'two', null, { x: 1 }] }, minItems: 1, maxItems: 3 },
  { type: 'object', properties: { nested: { type: 'object', properties: { flag: { type: 'boolean', const: true } }, required: ['flag'] } } },
  { properties: { n: { type: 'number', maximum: 5, exclusiveMinimum: -1 } } },
  { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } }, 'x-mcp-header-note': 'annotation', description: 'ignored' },
  true,
  false,
  {},
  // Keywords of one type, with no type: they say nothing of values of other types.
  { required: ['a'] },
  { properties: { a: {} }, additionalProperties: false },
  { items: { type: 'number' } },
  { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'number' } },
  // Values compared as JSON: arrays in order, objects whatever their keys' order.
  { const: { a: [1, { b: 2 }] } },
  { enum: [[1, 2], { a: 1, b: 2 }] },
];

const VALUES: unknown[] = [
  null, true, false, 0, -1, 1, 1.5, 5, 9, 10, 42, '', 'a', 'ab', 'abc', 'abcd', '😀😀', [], [1], [1, 'two'], [1, 'two', null, 1], [{ x: 1 }], [{ x: 2 }], ['x'], {},
  { text: 'hi' }, { text: 1 }, { a: 1 }, { a: 1, b: 3 }, { a: 1, b: 10 }, { a: 1, b: -1 }, { a: 1, c: 2 }, { b: 1 }, { k: 'abc' }, { k: 'abcd' },
  { nested: { flag: true } }, { nested: { flag: false } }, { nested: {} }, { n: 5 }, { n: 6 }, { n: -1 }, { tags: ['a'] }, { tags: [1] }, { a: 1.5, b: 2.5 },
  { a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }, { a: [{ b: 2 }, 1] }, [1, 2], [2, 1], [1, 2, 'x'], { b: 2, a: 1 }, { a: 1, b: 2, c: 3 }, { a: 'x', z: 1 }, { a: 'x', z: 'y' },
  { a: [1, { b: 2 }], c: 1 }, [[1, 2]], { a: { b: 2 } },
];

describe('plain-schema validator', () => {
  const ajv = new Ajv2020({ strict: false });

  it('agrees with ajv on every schema and value of a corpus', () => {
    for (const schema of SCHEMAS) {
      const simple = compileSimpleSchema(schema);
      assert.ok(simple, `compiles ${JSON.stringify(schema)}`);
      const reference = ajv.compile(schema as object);
      for (const value of VALUES) {
        assert.equal(simple(value) === undefined, reference(value), `${JSON.stringify(schema)} on ${JSON.stringify(value)}: ${simple(value)}`);
      }
    }
  });

  it('agrees with ajv on any JSON value, for every schema of the corpus', () => {
    const checks = SCHEMAS.map((schema) => ({ schema, simple: compileSimpleSchema(schema)!, reference: ajv.compile(schema as object) }));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) =>
        checks.every(({ simple, reference }) => {
          let valid: boolean;
          try {
            valid = reference(value);
          } catch (error) {
            // ajv's own comparison throws on an object with a toString or valueOf of its own
            // (schema-validator.ts refuses those); the plain walk compares it as JSON.
            if (error instanceof TypeError) return true;
            throw error;
          }
          return (simple(value) === undefined) === valid;
        }),
      ),
      fuzzParameters('plain-schema validator against ajv', 2000),
    );
  });

  it('words failures like ajv', () => {
    const check = compileSimpleSchema(SCHEMAS[1])!;
    assert.equal(check({}), "input must have required property 'a'");
    assert.equal(check({ a: 'x' }), '/a must be number');
    assert.equal(check({ a: 1, b: 10 }), '/b must be < 10');
    assert.equal(check({ a: 1, z: 0 }), "input must NOT have additional properties 'z'");
    assert.equal(compileSimpleSchema(SCHEMAS[3])!('a'), 'input must NOT have fewer than 2 characters');
  });

  it('leaves anything richer to ajv', () => {
    for (const schema of [
      { $ref: '#/$defs/x', $defs: { x: { type: 'string' } } },
      { anyOf: [{ type: 'string' }] },
      { type: 'string', format: 'email' },
      { type: 'string', pattern: '^a' },
      { if: { type: 'string' }, then: { minLength: 1 } },
      { type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } },
      { type: 'weird' },
    ]) {
      assert.equal(compileSimpleSchema(schema), undefined, JSON.stringify(schema));
    }
  });
});
