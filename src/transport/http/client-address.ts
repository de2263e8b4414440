/**
 * The address a request comes from, when reverse proxies stand in front. Every per-client
 * bound without authentication (rate limits, in-flight requests and bytes, legacy sessions,
 * WebSocket connections, introspection pauses) counts by the peer's address, and behind a
 * proxy the peer is the proxy: all its clients shared one quota, so one of them could spend
 * it for all. With the proxies named (`http.trustProxy`), a request whose peer is one of them
 * counts against the address its `X-Forwarded-For` names.
 *
 * Only what trusted proxies wrote is believed. Each proxy appends the address it was reached
 * from, so the list is read from its end: the last entry is the peer's client; while that
 * address is a trusted proxy too, the entry before it is its client; the first address that
 * is no trusted proxy is the client. Whatever a client wrote itself lies further left and is
 * never reached. An entry that is no address (`unknown`, an obfuscated identifier) ends the
 * walk at the last address known. A request from a peer that is no trusted proxy keeps the
 * peer's address, whatever its headers say. `Forwarded` (RFC 7239) is not read: the proxies
 * in use write `X-Forwarded-For`.
 *
 * @example
 * const clientAddress = trustProxies(['10.0.0.0/8', '::1']);
 * clientAddress('10.0.0.5', { 'x-forwarded-for': '203.0.113.9, 10.0.0.7' }) // '203.0.113.9'
 * clientAddress('198.51.100.1', { 'x-forwarded-for': '203.0.113.9' })       // '198.51.100.1'
 */
import { BlockList, isIP } from 'node:net';
import type { Headers } from './modern-headers.ts';

/** The client's address of a request from `peer` with `headers`. */
export type ClientAddress = (peer: string | undefined, headers: Headers) => string | undefined;

/** No proxy trusted: the client is the peer. */
export const peerAddress: ClientAddress = (peer) => peer;

/**
 * Entries read at most, from the end: a chain of trusted proxies longer than this is not
 * deployed, and the walk's cost stays bounded whatever a client sends.
 */
const MAX_HOPS = 16;

/** The address an `X-Forwarded-For` entry names (bare, or with a port, IPv6 in brackets), if any. */
function addressOf(entry: string): string | undefined {
  let text = entry.trim();
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    text = close === -1 ? '' : text.slice(1, close);
  } else if (text.indexOf(':') !== -1 && text.indexOf(':') === text.lastIndexOf(':')) {
    text = text.slice(0, text.indexOf(':')); // IPv4 with a port
  }
  return isIP(text) === 0 ? undefined : text;
}

/** The BlockList of `proxies` (addresses and CIDR blocks); throws naming the first that is neither. */
function blockListOf(proxies: readonly string[]): BlockList {
  const list = new BlockList();
  for (const proxy of proxies) {
    const slash = proxy.indexOf('/');
    const address = slash === -1 ? proxy : proxy.slice(0, slash);
    const family = isIP(address);
    const prefix = slash === -1 ? undefined : proxy.slice(slash + 1);
    if (family === 0 || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)))) {
      throw new TypeError(`trustProxy: ${JSON.stringify(proxy)} is not an IP address or CIDR block (like 10.0.0.0/8 or fd00::/8)`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** The client address of requests behind `proxies` (IP addresses and CIDR blocks); none: the peer's. */
export function trustProxies(proxies: readonly string[] | undefined): ClientAddress {
  if (proxies === undefined || proxies.length === 0) return peerAddress;
  const list = blockListOf(proxies);
  const trusted = (address: string) => list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  return (peer, headers) => {
    if (peer === undefined || !trusted(peer)) return peer;
    const value = headers['x-forwarded-for'];
    // Several header lines are one list, in order (node:http joins them so already).
    const forwarded = Array.isArray(value) ? value.join(',') : value;
    if (forwarded === undefined) return peer;
    let client = peer;
    let end = forwarded.length;
    for (let hop = 0; hop < MAX_HOPS && end > 0; hop++) {
      const comma = forwarded.lastIndexOf(',', end - 1);
      const address = addressOf(forwarded.slice(comma + 1, end));
      if (address === undefined) return client;
      client = address;
      if (!trusted(address)) return client;
      end = comma;
    }
    return client;
  };
}
