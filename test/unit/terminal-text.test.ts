/** terminalLine, terminalText and terminalJson: what each shows escaped, and what it keeps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { terminalJson, terminalLine, terminalText } from '../../src/protocol/terminal-text.ts';

describe('terminal text', () => {
  it('shows every control character of a line escaped, newline and tab included', () => {
    assert.equal(terminalLine('a\x1b[2J\x07\x00\x7f\x9b\u202e\u2066\u2028\t\r\n\bz'), 'a\\x1b[2J\\x07\\x00\\x7f\\x9b\\u202e\\u2066\\u2028\\t\\r\\n\\x08z');
    const clean = 'plain text, accents é and emoji 😀';
    assert.equal(terminalLine(clean), clean);
  });

  it('keeps the newlines, tabs and CRLF of text of several lines, not a lone CR', () => {
    assert.equal(terminalText('one\r\ntwo\tcols\nthree\rover\x1b]52;c;aGk=\x07'), 'one\r\ntwo\tcols\nthree\\rover\\x1b]52;c;aGk=\\x07');
    assert.equal(terminalText('ends with CR\r'), 'ends with CR\\r');
  });

  it('escapes in JSON what JSON.stringify leaves raw, and the JSON parses to the same value', () => {
    const value = { name: 'a\x7f\x85\x9b\u061c\u200e\u202e\u2029b', nested: ['\u2069', 'é😀'] };
    const json = terminalJson(JSON.stringify(value, null, 2));
    assert.doesNotMatch(json, /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    assert.deepEqual(JSON.parse(json), value);
    assert.ok(json.includes('a\\u007f\\u0085\\u009b\\u061c\\u200e\\u202e\\u2029b'));
  });

  it('can be used again and again (no regex state carried over)', () => {
    for (let i = 0; i < 3; i++) assert.equal(terminalLine('x\x1by'), 'x\\x1by');
  });
});
