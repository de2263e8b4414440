import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MATCHED_URI_LENGTH, UriTemplate } from '../../src/server/uri-template.ts';

describe('URI templates (RFC 6570)', () => {
  it('matches simple expressions one path segment at a time', () => {
    const template = new UriTemplate('test://template/{id}/data');
    assert.deepEqual(template.match('test://template/42/data'), { id: '42' });
    assert.deepEqual(template.match('test://template/a%20b/data'), { id: 'a b' });
    assert.equal(template.match('test://template/4/2/data'), undefined);
    assert.equal(template.match('test://other/42/data'), undefined);
  });

  it('matches reserved, path, label and query expressions', () => {
    assert.deepEqual(new UriTemplate('file:///{+path}').match('file:///src/a b/c.ts'), { path: 'src/a b/c.ts' });
    assert.deepEqual(new UriTemplate('repo://{owner}{/name}').match('repo://me/tool'), { owner: 'me', name: 'tool' });
    assert.deepEqual(new UriTemplate('search://{+base}{?q,lang}').match('search://x/y?lang=en&q=a%26b'), { base: 'x/y', q: 'a&b', lang: 'en' });
    assert.deepEqual(new UriTemplate('doc://{name}{.ext}').match('doc://readme.md'), { name: 'readme', ext: 'md' });
  });

  it('expands variables, encoding what needs it', () => {
    assert.equal(new UriTemplate('test://template/{id}/data').expand({ id: 'a/b c' }), 'test://template/a%2Fb%20c/data');
    assert.equal(new UriTemplate('search://x{?q,lang}').expand({ q: 'hi there' }), 'search://x?q=hi%20there');
    assert.equal(new UriTemplate('file:///{+path}').expand({ path: 'a/b' }), 'file:///a/b');
  });

  it('expanding a value with a lone surrogate no longer throws URIError (found by fuzzing)', () => {
    assert.equal(new UriTemplate('x://{a}').expand({ a: 'a\ud800b' }), 'x://a%EF%BF%BDb');
    assert.equal(new UriTemplate('x://{+a}').expand({ a: '\udc00/' }), 'x://%EF%BF%BD/');
  });

  it('matching a client URI can no longer take time quadratic in its length: URIs are bounded, reserved values stop at the query', () => {
    const long = `x://${'a'.repeat(MAX_MATCHED_URI_LENGTH)}`;
    assert.equal(new UriTemplate('x://{+rest}').match(long), undefined);
    assert.deepEqual(new UriTemplate('x://{+rest}').match(long.slice(0, MAX_MATCHED_URI_LENGTH)), { rest: 'a'.repeat(MAX_MATCHED_URI_LENGTH - 4) });
    // Like a URL: the query starts at the first "?", the fragment at the first "#".
    assert.deepEqual(new UriTemplate('f:///{+path}{?q}').match('f:///a/b?q=1?2'), { path: 'a/b', q: '1?2' });
    assert.equal(new UriTemplate('f:///{+path}{?q}').match(`f:///${'?'.repeat(5000)}#`), undefined);
    assert.deepEqual(new UriTemplate('f:///{+path}{#frag}').match('f:///a?b#c#d'), { path: 'a?b', frag: 'c#d' });
    // Several values in one reserved expansion: all but the last end at a comma.
    assert.deepEqual(new UriTemplate('x://{+a,b,c}').match('x://1,2,3,4'), { a: '1', b: '2', c: '3,4' });
  });

  it('lists its variables', () => {
    assert.deepEqual(new UriTemplate('x://{a}/{b}{?c,d}').variableNames, ['a', 'b', 'c', 'd']);
    assert.equal(new UriTemplate('x://fixed').isLiteral, true);
  });
});
