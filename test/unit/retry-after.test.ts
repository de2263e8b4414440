import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryAfterMs } from '../../src/transport/http/retry-after.ts';

describe('Retry-After', () => {
  const now = Date.parse('Tue, 01 Dec 2026 12:00:00 GMT');

  it('reads seconds and HTTP dates (a date past is no wait)', () => {
    assert.equal(retryAfterMs('4', now), 4000);
    assert.equal(retryAfterMs(' 0 ', now), 0);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 12:00:03 GMT', now), 3000);
    assert.equal(retryAfterMs('Tue, 01 Dec 2026 11:00:00 GMT', now), 0);
  });

  it('is unknown when missing or not one of those', () => {
    for (const value of [null, '', '-1', '1.5', '1e3', 'soon', '2026-12-01', 'Tue, 01 Dec 2026 12:00:03']) assert.equal(retryAfterMs(value, now), undefined, String(value));
  });
});
