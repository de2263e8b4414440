/**
 * Whose quota a request counts against: its principal's subject when the edge hook named one,
 * else the address it came from. IPv6 addresses count by their /64 prefix, the block one
 * subscriber usually gets, so one host cannot take a fresh quota per address; IPv4-mapped IPv6
 * addresses count as the IPv4 address they carry.
 */
import type { Principal } from './edge.ts';

/** The key of requests whose peer address is unknown (a fetch runtime that does not say). */
export const UNKNOWN_CLIENT = '';

/**
 * @example
 * clientKey(undefined, '2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 * clientKey({ subject: 'alice', scopes: [] }, '10.0.0.1') // '\0alice'
 */
export function clientKey(principal: { subject: string } | undefined, remoteAddress: string | undefined): string {
  // A NUL prefix keeps subjects and addresses apart (no address contains one).
  if (principal !== undefined) return `\0${principal.subject}`;
  if (remoteAddress === undefined) return UNKNOWN_CLIENT;
  if (!remoteAddress.includes(':')) return remoteAddress;
  return ipv6Key(remoteAddress);
}

function ipv6Key(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return lower.slice(7);
  const zone = lower.indexOf('%');
  const bare = zone === -1 ? lower : lower.slice(0, zone);
  const gap = bare.indexOf('::');
  let groups: string[];
  if (gap === -1) {
    groups = bare.split(':');
  } else {
    const head = gap === 0 ? [] : bare.slice(0, gap).split(':');
    const tail = bare.slice(gap + 2) === '' ? [] : bare.slice(gap + 2).split(':');
    groups = [...head, ...new Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  }
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
