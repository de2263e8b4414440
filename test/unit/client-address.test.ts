/**
 * The client's address behind reverse proxies (`trustProxy`): only what trusted proxies wrote
 * in X-Forwarded-For is believed, read from the end.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { peerAddress, trustProxies } from '../../src/transport/http/client-address.ts';

const behind = trustProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
const forwarded = (value: string | string[]) => ({ 'x-forwarded-for': value });

describe('trustProxies', () => {
  it('without proxies, the peer is the client whatever its headers say', () => {
    assert.equal(trustProxies(undefined), peerAddress);
    assert.equal(trustProxies([]), peerAddress);
    assert.equal(peerAddress('203.0.113.9', forwarded('198.51.100.1')), '203.0.113.9');
  });

  it('a peer that is no trusted proxy is the client: its X-Forwarded-For is not read', () => {
    assert.equal(behind('203.0.113.9', forwarded('10.0.0.1')), '203.0.113.9');
    assert.equal(behind('203.0.113.9', forwarded('198.51.100.1')), '203.0.113.9');
    assert.equal(behind(undefined, forwarded('198.51.100.1')), undefined);
  });

  it("a trusted proxy's request counts against the last address before the trusted ones", () => {
    assert.equal(behind('10.0.0.5', forwarded('203.0.113.9')), '203.0.113.9');
    assert.equal(behind('10.0.0.5', forwarded('203.0.113.9, 10.0.0.7')), '203.0.113.9');
    assert.equal(behind('10.0.0.5', forwarded(' 203.0.113.9 ,10.1.2.3 , 10.0.0.7 ')), '203.0.113.9');
    // node:http joins several header lines; a fetch runtime may give them as a list.
    assert.equal(behind('10.0.0.5', forwarded(['198.51.100.1', '203.0.113.9'])), '203.0.113.9');
    assert.equal(behind('10.0.0.5', {}), '10.0.0.5');
  });

  it('what a client wrote itself, left of the address a trusted proxy appended, is never reached', () => {
    assert.equal(behind('10.0.0.5', forwarded('10.0.0.1, 127.0.0.1, 203.0.113.9')), '203.0.113.9');
    assert.equal(behind('10.0.0.5', forwarded('anything at all, 203.0.113.9')), '203.0.113.9');
  });

  it('an entry that is no address ends the walk at the last address known', () => {
    assert.equal(behind('10.0.0.5', forwarded('unknown')), '10.0.0.5');
    assert.equal(behind('10.0.0.5', forwarded('203.0.113.9, _hidden, 10.0.0.7')), '10.0.0.7');
    assert.equal(behind('10.0.0.5', forwarded('')), '10.0.0.5');
    assert.equal(behind('10.0.0.5', forwarded(',,')), '10.0.0.5');
    assert.equal(behind('10.0.0.5', forwarded('{"an":"object"}')), '10.0.0.5');
  });

  it('reads ports and bracketed IPv6 as proxies write them, and IPv6 and IPv4-mapped peers', () => {
    assert.equal(behind('10.0.0.5', forwarded('203.0.113.9:51234')), '203.0.113.9');
    assert.equal(behind('10.0.0.5', forwarded('[2001:db8::1]:443')), '2001:db8::1');
    assert.equal(behind('10.0.0.5', forwarded('[2001:db8::1]')), '2001:db8::1');
    assert.equal(behind('10.0.0.5', forwarded('2001:db8::1')), '2001:db8::1');
    assert.equal(behind('10.0.0.5', forwarded('[2001:db8::1')), '10.0.0.5');
    assert.equal(behind('fd00::5', forwarded('2001:db8::1, fd12::1')), '2001:db8::1');
    assert.equal(behind('::ffff:10.0.0.5', forwarded('203.0.113.9')), '203.0.113.9');
  });

  it('walks at most 16 entries: a list of trusted addresses, however long, ends at the 16th from the end', () => {
    const trusted = Array.from({ length: 100 }, (_, i) => `10.0.0.${i + 1}`).join(', ');
    assert.equal(behind('10.0.0.5', forwarded(`198.51.100.1, ${trusted}`)), '10.0.0.85');
    assert.equal(behind('10.0.0.5', forwarded(`198.51.100.1, ${'10.0.0.1, '.repeat(100_000)}203.0.113.9`)), '203.0.113.9');
  });

  it('refuses an entry that is no address or CIDR block, naming it', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/8x', 'localhost', '10.0.0.0/-1', '']) {
      assert.throws(() => trustProxies([bad]), new RegExp(`trustProxy: ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not an IP address or CIDR block`));
    }
  });
});
