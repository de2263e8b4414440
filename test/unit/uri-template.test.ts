import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UriTemplate } from '../../src/server/uri-template.ts';

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

  it('lists its variables', () => {
    assert.deepEqual(new UriTemplate('x://{a}/{b}{?c,d}').variableNames, ['a', 'b', 'c', 'd']);
    assert.equal(new UriTemplate('x://fixed').isLiteral, true);
  });
});
