/** clientKey: whose quota a request counts against, IPv6 addresses by their /64. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientKey, UNKNOWN_CLIENT } from '../../src/security/client-key.ts';
import { Refusal, type RequestHead } from '../../src/security/edge.ts';
import { RateLimits } from '../../src/security/rate-limits.ts';

const key = (address: string | undefined) => clientKey(undefined, address);

describe('clientKey', () => {
  it('keys a principal by its subject, apart from any address', () => {
    assert.equal(clientKey({ subject: 'alice' }, '10.0.0.1'), '\0alice');
    assert.notEqual(clientKey({ subject: '10.0.0.1' }, undefined), key('10.0.0.1'));
  });

  it('keys IPv4 addresses whole, mapped into IPv6 or not, and an unknown address as one', () => {
    assert.equal(key('10.0.0.1'), '10.0.0.1');
    assert.equal(key('::ffff:10.0.0.1'), '10.0.0.1');
    assert.equal(key('::FFFF:10.0.0.1'), '10.0.0.1');
    assert.equal(key(undefined), UNKNOWN_CLIENT);
  });

  it('keys IPv6 addresses by their /64, however they are written', () => {
    const k = '2001:db8:1:2::/64';
    assert.equal(key('2001:db8:1:2:aaaa::1'), k);
    assert.equal(key('2001:0DB8:0001:0002:0000:0000:0000:0001'), k);
    assert.equal(key('2001:db8:1:2:ffff:ffff:ffff:ffff'), k);
    assert.equal(key('2001:db8:1:2::'), k);
    assert.equal(key('2001:db8::1:2:3:4'), '2001:db8:0:0::/64');
    assert.equal(key('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(key('::1'), '0:0:0:0::/64');
    assert.equal(key('::'), '0:0:0:0::/64');
    // A zone names the interface, not the host; an IPv4 tail is in the low 64 bits.
    assert.equal(key('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(key('fe80::2%lo'), 'fe80:0:0:0::/64');
    assert.equal(key('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.notEqual(key('2001:db8:1:3::1'), k);
  });

  it('makes one host with many addresses of a /64 share the per-client limit', () => {
    const edge = new RateLimits({ perClient: { limit: 2, windowSeconds: 60 } }).edge(undefined)!;
    const head = (remoteAddress: string): RequestHead => ({ method: 'POST', path: '/mcp', headers: {}, remoteAddress });
    assert.equal(edge(head('2001:db8:1:2::a')), undefined);
    assert.equal(edge(head('2001:db8:1:2:0:0:0:b')), undefined);
    const refused = edge(head('2001:db8:1:2:ffff::c'));
    assert.ok(refused instanceof Refusal && refused.status === 429, 'a third address of the same /64 is refused');
    assert.equal(edge(head('2001:db8:1:3::a')), undefined, 'another /64 has its own count');
  });
});
