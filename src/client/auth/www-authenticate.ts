/**
 * Parses `WWW-Authenticate` (RFC 9110 Section 11.6.1): one or more challenges, each a scheme
 * followed by `name=value` parameters (token or quoted-string). Several header fields arrive
 * joined by commas, so a new challenge starts wherever a bare token is not followed by `=`
 * (a token68 credential, unused by MCP, reads as a challenge of its own and is ignored).
 * MCP reads `resource_metadata` (RFC 9728 Section 5.1), `scope` and `error` (RFC 6750 Section 3)
 * from it; DPoP servers answer with the `DPoP` scheme (RFC 9449 Section 7.1).
 */

export interface Challenge {
  /** The auth scheme, lowercased (`bearer`, `dpop`). */
  scheme: string;
  /** Parameters by lowercased name. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

/**
 * @example
 * parseWwwAuthenticate('Bearer error="insufficient_scope", scope="files:write"')
 * // [{ scheme: 'bearer', params: { error: 'insufficient_scope', scope: 'files:write' } }]
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let at = 0;
  const skip = (): void => {
    while (at < header.length && (header[at] === ' ' || header[at] === '\t' || header[at] === ',')) at++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(header);
    if (!match) return undefined;
    at = TOKEN.lastIndex;
    return match[0];
  };
  const quoted = (): string => {
    let value = '';
    for (at++; at < header.length && header[at] !== '"'; at++) {
      if (header[at] === '\\' && at + 1 < header.length) at++;
      value += header[at];
    }
    at++;
    return value;
  };
  let current: Challenge | undefined;
  while (at < header.length) {
    skip();
    const name = token();
    if (name === undefined) {
      at++;
      continue;
    }
    let lookahead = at;
    while (header[lookahead] === ' ' || header[lookahead] === '\t') lookahead++;
    if (header[lookahead] === '=' && current !== undefined && header[lookahead + 1] !== '=') {
      at = lookahead + 1;
      while (header[at] === ' ' || header[at] === '\t') at++;
      current.params[name.toLowerCase()] = header[at] === '"' ? quoted() : (token() ?? '');
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
  }
  return challenges;
}

/** The first challenge of `response` with one of `schemes` (Bearer and DPoP by default). */
export function findChallenge(response: Response, schemes: readonly string[] = ['bearer', 'dpop']): Challenge | undefined {
  const header = response.headers.get('www-authenticate');
  if (header === null) return undefined;
  return parseWwwAuthenticate(header).find((challenge) => schemes.includes(challenge.scheme));
}
