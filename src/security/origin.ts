/**
 * Origin and Host validation against DNS rebinding (spec: Streamable HTTP, security). A page
 * on an attacker's site can make a browser talk to a local server; checking the Origin and
 * Host headers keeps such requests out (403).
 */

export interface OriginPolicyOptions {
  /** Origins allowed to call, e.g. `https://app.example.com`. */
  allowedOrigins?: readonly string[];
  /** Host header values allowed (hostname, or hostname:port). */
  allowedHosts?: readonly string[];
  /**
   * Whether the server listens on loopback only. Then, when no lists are given, only loopback
   * hosts and origins are accepted: the DNS-rebinding-safe default.
   */
  loopback?: boolean;
}

/**
 * How many Host headers a request has, from node:http's `rawHeaders` (names and values in
 * turn). RFC 9112 §3.2 has a request with none, or more than one, refused 400: node:http keeps
 * the first of several, which a proxy in front may not have been the one it routed by, and
 * asks for none on an upgrade.
 */
export function hostHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    if (name.length === 4 && name.toLowerCase() === 'host') count++;
  }
  return count;
}

/** Returns a reason to refuse the request, or undefined to let it through. */
export type OriginCheck = (origin: string | undefined, host: string | undefined) => string | undefined;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

function isLoopbackHost(host: string): boolean {
  const name = hostnameOf(host);
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost');
}

export function createOriginCheck(options: OriginPolicyOptions): OriginCheck {
  const origins = options.allowedOrigins ? new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, ''))) : undefined;
  const hosts = options.allowedHosts ? new Set(options.allowedHosts.map((h) => h.toLowerCase())) : undefined;
  const loopback = options.loopback === true;
  return (origin, host) => {
    if (host !== undefined) {
      // Several Host headers reach the fetch face joined by commas: not one host.
      if (host.includes(',')) return `Host ${host} is not one host`;
      const lower = host.toLowerCase();
      if (hosts !== undefined ? !hosts.has(lower) && !hosts.has(hostnameOf(lower)) : loopback && !isLoopbackHost(lower)) {
        return `Host ${host} is not allowed`;
      }
    }
    if (origin === undefined) return undefined;
    const normalized = origin.toLowerCase();
    if (origins !== undefined) return origins.has(normalized) ? undefined : `Origin ${origin} is not allowed`;
    let originHost: string;
    try {
      originHost = new URL(normalized).host;
    } catch {
      return `Origin ${origin} is not allowed`;
    }
    if (loopback) return isLoopbackHost(originHost) ? undefined : `Origin ${origin} is not allowed`;
    // Bound beyond loopback with no list: same-origin requests only.
    return host !== undefined && originHost === host.toLowerCase() ? undefined : `Origin ${origin} is not allowed`;
  };
}
