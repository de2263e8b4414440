import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSchema } from '../../src/protocol/schema-validator.ts';
import { McpLocalError } from '../../src/protocol/local-errors.ts';

describe('JSON Schema validation', () => {
  it('defaults to 2020-12 and explains failures', () => {
    const check = compileSchema({ type: 'object', properties: { a: { type: 'integer' } }, required: ['a'], additionalProperties: false });
    assert.equal(check({ a: 1 }), undefined);
    assert.equal(check({}), "input must have required property 'a'");
    assert.equal(check({ a: 1.5 }), '/a must be integer');
    assert.equal(check({ a: 1, b: 2 }), "input must NOT have additional properties 'b'");
  });

  it('resolves local $refs, $defs and anchors', () => {
    const check = compileSchema({
      type: 'object',
      $defs: { address: { $anchor: 'addr', type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      properties: { home: { $ref: '#/$defs/address' }, work: { $ref: '#addr' } },
    });
    assert.equal(check({ home: { city: 'Oslo' }, work: { city: 'Bergen' } }), undefined);
    assert.match(check({ work: {} }) ?? '', /city/);
  });

  it('supports draft-07 and 2019-09 when declared', () => {
    const draft7 = compileSchema({ $schema: 'http://json-schema.org/draft-07/schema#', definitions: { n: { type: 'number' } }, properties: { x: { $ref: '#/definitions/n' } } });
    assert.equal(draft7({ x: 'no' }), '/x must be number');
    assert.equal(compileSchema({ $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'string' })('s'), undefined);
  });

  it('refuses schemas it cannot honour, at compile time', () => {
    const invalid = (schema: unknown, reason: RegExp) =>
      assert.throws(() => compileSchema(schema), (e: unknown) => e instanceof McpLocalError && e.code === 'MCP_ERR_INVALID_ARGUMENT' && reason.test(e.message));
    invalid({ $ref: 'https://example.com/schema.json' }, /can't resolve reference/);
    invalid({ $schema: 'http://json-schema.org/draft-04/schema#' }, /unsupported JSON Schema dialect/);
    invalid({ type: 'nonsense' }, /Invalid JSON Schema/);
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { x: deep } };
    invalid(deep, /nested deeper than 64 levels/);
  });

  it('checks formats', () => {
    assert.match(compileSchema({ type: 'string', format: 'email' })('not-an-email') ?? '', /must match format "email"/);
  });

  it('a value nested deeper than the call stack allows fails validation instead of throwing RangeError', () => {
    const tree = compileSchema({ $defs: { node: { type: 'array', items: { $ref: '#/$defs/node' } } }, $ref: '#/$defs/node' });
    assert.equal(tree(JSON.parse('[[[]]]')), undefined);
    assert.equal(tree(JSON.parse('['.repeat(20_000) + ']'.repeat(20_000))), 'input is nested too deeply to validate');
    const unique = compileSchema({ type: 'array', uniqueItems: true });
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    assert.equal(unique(JSON.parse(`[${deep},${deep}]`)), 'input is nested too deeply to validate');
  });

  it('regression: an object with a "toString" or "valueOf" of its own, compared with a schema\'s values, fails validation instead of throwing TypeError', () => {
    const refused = /^input holds an object with a "toString" or "valueOf" of its own/;
    for (const key of ['toString', 'valueOf']) {
      const hostile = JSON.parse(`{"${key}": ""}`);
      assert.match(compileSchema({ anyOf: [{ const: { a: 1 } }, { type: 'string' }] })(hostile)!, refused);
      assert.match(compileSchema({ enum: [{ a: 1 }, 'b'], $comment: 'x', type: ['object', 'string'], format: 'email' })(hostile)!, refused);
      assert.match(compileSchema({ type: 'array', uniqueItems: true })(JSON.parse(`[{"${key}": ""}, {"${key}": ""}]`))!, refused);
    }
    // Such objects elsewhere are values like any other.
    assert.equal(compileSchema({ type: 'array', uniqueItems: true })([JSON.parse('{"toString": ""}'), 1]), undefined);
    assert.equal(compileSchema({ anyOf: [{ type: 'object' }] })(JSON.parse('{"toString": ""}')), undefined);
  });
});
