import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIFETIME_MS, ExpiringCache, lifetimeOf, MAX_ENTRIES, MAX_LIFETIME_MS } from '../../src/client/auth/discovery-cache.ts';

describe('how long discovery keeps an answer', () => {
  const lifetime = (headers: Record<string, string>) => lifetimeOf(new Headers(headers));

  it('its max-age, less its Age, an hour at most; a few minutes when it says nothing', () => {
    assert.equal(lifetime({}), DEFAULT_LIFETIME_MS);
    assert.equal(lifetime({ 'cache-control': 'public' }), DEFAULT_LIFETIME_MS);
    assert.equal(lifetime({ 'cache-control': 'public, max-age=600' }), 600_000);
    assert.equal(lifetime({ 'cache-control': 'Max-Age="60"' }), 60_000);
    assert.equal(lifetime({ 'cache-control': 'max-age=600', age: '100' }), 500_000);
    assert.equal(lifetime({ 'cache-control': 'max-age=600', age: '1000' }), 0);
    assert.equal(lifetime({ 'cache-control': 'max-age=86400' }), MAX_LIFETIME_MS);
    assert.equal(lifetime({ 'cache-control': `max-age=${'9'.repeat(400)}` }), 0);
  });

  it('not at all with no-store, no-cache, max-age=0 or a max-age that is no number', () => {
    for (const control of ['no-store', 'max-age=600, no-store', 'no-cache', 'max-age=0', 'max-age=-1', 'max-age=1e3', 'max-age', 'max-age=']) {
      assert.equal(lifetime({ 'cache-control': control }), 0, control);
    }
  });
});

describe('ExpiringCache', () => {
  it('holds MAX_ENTRIES at most, dropping the oldest first', () => {
    const cache = new ExpiringCache<number>();
    for (let i = 0; i < MAX_ENTRIES + 50; i++) cache.set(`key ${i}`, i, 60_000);
    assert.equal(cache.size, MAX_ENTRIES);
    assert.equal(cache.get('key 0'), undefined);
    assert.equal(cache.get('key 49'), undefined);
    assert.equal(cache.get('key 50')?.value, 50);
  });

  it('keeps nothing for a lifetime of 0, and drops what the key held', () => {
    const cache = new ExpiringCache<string>();
    cache.set('k', 'kept', 60_000);
    cache.set('k', 'not kept', 0);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });

  it('keeps undefined as a value, told apart from nothing kept', () => {
    const cache = new ExpiringCache<string | undefined>();
    cache.set('none', undefined, 60_000);
    assert.notEqual(cache.get('none'), undefined);
    assert.equal(cache.get('none')?.value, undefined);
    assert.equal(cache.get('other'), undefined);
  });

  it('forgets an entry once its lifetime is over', async () => {
    const cache = new ExpiringCache<string>();
    cache.set('k', 'v', 1);
    // No event marks the end of a lifetime: waiting longer than it can only help.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });
});
