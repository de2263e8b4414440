/**
 * Fuzzing RFC 6570 templates: any template text compiles or is refused cleanly, matching any URI
 * never throws, expansion of any values never throws, and what a template expands it matches
 * back (for the values the operators can carry both ways).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UriTemplate } from '../../src/server/uri-template.ts';
import { fuzzParameters } from './support/runs.ts';

/** Any UTF-16 code units, lone surrogates included (JSON strings may carry them). */
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 8 });
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/);
const literal = fc.stringMatching(/^[a-z0-9:/._-]{0,6}$/);
const templateText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.array(fc.oneof(literal, fc.tuple(fc.constantFrom('', '+', '#', '/', '.', '?', '&', ';'), fc.array(name, { minLength: 1, maxLength: 3 })).map(([op, names]) => `{${op}${names.join(',')}}`)), { maxLength: 6 }).map((parts) => parts.join('')),
);

describe('fuzz: URI templates', () => {
  it('compiles any template text, matches any URI and expands any values without throwing', () => {
    fc.assert(
      fc.property(templateText, fc.oneof(fc.string({ maxLength: 60 }), codeUnits), fc.array(codeUnits, { minLength: 8, maxLength: 8 }), (text, uri, texts) => {
        const template = new UriTemplate(text);
        const variables = template.match(uri);
        if (variables !== undefined) for (const value of Object.values(variables)) assert.equal(typeof value, 'string');
        const values = Object.fromEntries(template.variableNames.map((n, i) => [n, texts[i % texts.length]]));
        assert.equal(typeof template.expand(values), 'string');
      }),
      fuzzParameters('URI template compile/match/expand', 3000),
    );
  });

  it('matches back what it expands: one simple variable per path segment', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 4, maxLength: 4 }), (names, texts) => {
        const template = new UriTemplate(`test://x/${names.map((n) => `{${n}}`).join('/')}`);
        const values = Object.fromEntries(names.map((n, i) => [n, texts[i]]));
        assert.deepEqual(template.match(template.expand(values)), values);
      }),
      fuzzParameters('URI template round trip', 2000),
    );
  });
});
