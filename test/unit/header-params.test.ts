import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHeaderValue, encodeHeaderValue, extractHeaderParams, headerMatches } from '../../src/protocol/header-params.ts';

describe('x-mcp-header parameters', () => {
  it('finds annotations along chains of properties', () => {
    const params = extractHeaderParams({
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        options: { type: 'object', properties: { dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' } } },
        query: { type: 'string' },
      },
    });
    assert.deepEqual(params, [
      { name: 'Region', path: ['region'], type: 'string' },
      { name: 'Dry-Run', path: ['options', 'dryRun'], type: 'boolean' },
    ]);
  });

  it('rejects annotations the spec forbids', () => {
    const bad = (schema: unknown) => assert.equal(typeof extractHeaderParams(schema), 'string', JSON.stringify(schema));
    bad({ properties: { a: { type: 'string', 'x-mcp-header': '' } } });
    bad({ properties: { a: { type: 'string', 'x-mcp-header': 'Bad Name' } } });
    bad({ properties: { a: { type: 'number', 'x-mcp-header': 'Num' } } });
    bad({ properties: { a: { type: 'string', 'x-mcp-header': 'X' }, b: { type: 'string', 'x-mcp-header': 'x' } } });
    bad({ properties: { list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } } } });
    bad({ anyOf: [{ properties: { a: { type: 'string', 'x-mcp-header': 'A' } } }] });
  });

  it('encodes values that are not plain ASCII with the Base64 sentinel', () => {
    assert.equal(encodeHeaderValue('us-west1'), 'us-west1');
    assert.equal(encodeHeaderValue('Hello, 世界'), '=?base64?SGVsbG8sIOS4lueVjA==?=');
    assert.equal(encodeHeaderValue(' padded '), '=?base64?IHBhZGRlZCA=?=');
    assert.equal(encodeHeaderValue('=?base64?literal?='), '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=');
    assert.equal(encodeHeaderValue(42), '42');
    assert.equal(encodeHeaderValue(true), 'true');
  });

  it('decodes strictly', () => {
    assert.equal(decodeHeaderValue('=?base64?SGVsbG8sIOS4lueVjA==?='), 'Hello, 世界');
    assert.equal(decodeHeaderValue('=?base64?SGVsbG8?='), undefined, 'missing padding');
    assert.equal(decodeHeaderValue('=?base64?SGVs!!!bG8=?='), undefined, 'outside the alphabet');
    assert.equal(decodeHeaderValue('=?base64?SGVsbG8='), '=?base64?SGVsbG8=', 'no suffix: a literal');
    assert.equal(decodeHeaderValue('caf\u00e9'), undefined, 'raw non-ASCII');
  });

  it('compares integers numerically and booleans exactly', () => {
    assert.equal(headerMatches('42', 42, 'integer'), true);
    assert.equal(headerMatches('42.0', 42, 'integer'), true);
    assert.equal(headerMatches('', 0, 'integer'), false);
    assert.equal(headerMatches('true', true, 'boolean'), true);
    assert.equal(headerMatches('True', true, 'boolean'), false);
    assert.equal(headerMatches('a', 'a', 'string'), true);
  });
});
