/** The elicitation answer check's handling of schemas from a peer, and its bounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ELICITATION_CHECKS_KEPT, elicitationAnswerProblem } from '../../src/protocol/elicitation-content.ts';

const accept = (content: unknown) => ({ action: 'accept', content });

describe('elicitation answer check', () => {
  it('a peer\'s pattern is not run (a crafted answer would take exponential time), a property named "pattern" still is checked', () => {
    const params = {
      message: 'x',
      requestedSchema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' }, pattern: { type: 'integer' } }, patternProperties: { '^(b+)+$': { type: 'string' } } },
    };
    const crafted = `${'a'.repeat(40)}!`;
    const started = performance.now();
    assert.equal(elicitationAnswerProblem(params, accept({ code: crafted, [`${'b'.repeat(40)}!`]: 'x' }), { patterns: false }), undefined);
    assert.ok(performance.now() - started < 1_000);
    assert.equal(elicitationAnswerProblem(params, accept({ pattern: 'x' }), { patterns: false }), 'content/pattern must be integer');
    // The schema's own author runs its patterns.
    assert.equal(elicitationAnswerProblem(params, accept({ code: 'b' })), 'content/code must match pattern "^(a+)+$"');
  });

  it('a schema nested deeper than 64 levels, or one that is not a schema, throws MCP_ERR_INVALID_ARGUMENT rather than overflowing the stack', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 100_000; i++) deep = { items: deep };
    for (const schema of [deep, { type: 'nope' }]) {
      assert.throws(() => elicitationAnswerProblem({ requestedSchema: schema }, accept({})), { code: 'MCP_ERR_INVALID_ARGUMENT' });
    }
  });

  it('keeps working past its cache bound, with `__proto__` in schemas and content', () => {
    for (let i = 0; i < ELICITATION_CHECKS_KEPT * 3; i++) {
      const schema = JSON.parse(`{"type":"object","properties":{"__proto__":{"type":"integer"},"n${i}":{"type":"string","maxLength":${i}}},"required":["n${i}"]}`);
      assert.equal(elicitationAnswerProblem({ requestedSchema: schema }, accept({ [`n${i}`]: 'x'.repeat(i) }), { patterns: false }), undefined);
      assert.equal(elicitationAnswerProblem({ requestedSchema: schema }, accept(JSON.parse(`{"n${i}":"","__proto__":"x"}`))), 'content/__proto__ must be integer');
    }
  });
});
