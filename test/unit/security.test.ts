/** The security building blocks on their own: credentials, challenges, scopes, caches, keys. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ApiKeys, bearerToken, apiKeyOf, Challenges, MALFORMED, ScopeHierarchy, scopesOfClaims, TokenCache, TokenProblem, ToolScopes, principalFromClaims } from '../../src/security/index.ts';
import { metadataPaths, metadataUrl } from '../../src/security/protected-resource.ts';

describe('bearer credentials (RFC 6750)', () => {
  it('reads the token of an Authorization: Bearer header, the scheme in any case', () => {
    assert.equal(bearerToken({ authorization: 'Bearer abc.DEF-ghi_~+/=' }), 'abc.DEF-ghi_~+/=');
    assert.equal(bearerToken({ authorization: 'bearer abc' }), 'abc');
    assert.equal(bearerToken({ authorization: 'BEARER  abc ' }), 'abc');
  });

  it('has no token without the header or with another scheme', () => {
    assert.equal(bearerToken({}), undefined);
    assert.equal(bearerToken({ authorization: 'Basic dXNlcjpwYXNz' }), undefined);
  });

  it('calls malformed what is not a b64token, empty, doubled or huge', () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer two words', 'Bearer "quoted"', 'Bearer a=b', '', `Bearer ${'a'.repeat(20_000)}`]) {
      assert.equal(bearerToken({ authorization }), MALFORMED, authorization.slice(0, 30));
    }
    assert.equal(bearerToken({ authorization: ['Bearer a', 'Bearer b'] }), MALFORMED);
  });

  it('reads an API key from Bearer, else X-API-Key', () => {
    assert.equal(apiKeyOf({ authorization: 'Bearer k1', 'x-api-key': 'k2' }), 'k1');
    assert.equal(apiKeyOf({ 'x-api-key': 'k2' }), 'k2');
    assert.equal(apiKeyOf({ 'x-api-key': '' }), MALFORMED);
    assert.equal(apiKeyOf({}), undefined);
  });
});

describe('challenges', () => {
  const challenges = new Challenges({ resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', scopes: ['mcp'] });

  it('asks for credentials without an error code when there were none (RFC 6750, section 3.1)', () => {
    const refusal = challenges.unauthenticated(TokenProblem.Missing);
    assert.equal(refusal.status, 401);
    assert.equal(refusal.headers!['www-authenticate'], 'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp"');
  });

  it('names invalid_token with a fixed description, and builds each refusal once', () => {
    const refusal = challenges.unauthenticated(TokenProblem.Expired);
    assert.match(refusal.headers!['www-authenticate'], /^Bearer error="invalid_token", resource_metadata="[^"]+", scope="mcp", error_description="The access token expired"$/);
    assert.equal(challenges.unauthenticated(TokenProblem.Expired), refusal);
    assert.equal(challenges.unauthenticated(TokenProblem.Malformed).status, 400);
  });

  it('asks for the scopes held and missing on insufficient_scope, leaving out scopes a header cannot carry', () => {
    const refusal = challenges.insufficientScope(['deploy'], ['mcp', 'bad"scope', 'bad scope\n'], 'tool "x"\r\n');
    assert.equal(refusal.status, 403);
    assert.equal(
      refusal.headers!['www-authenticate'],
      'Bearer error="insufficient_scope", scope="mcp deploy", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", error_description="tool \\"x\\"?? needs more scopes"',
    );
  });
});

describe('scopes', () => {
  it('reads scope (space-separated) and scp (a list or a string), ignoring other types', () => {
    assert.deepEqual(scopesOfClaims({ scope: 'a b  c' }), ['a', 'b', 'c']);
    assert.deepEqual(scopesOfClaims({ scp: ['a', 'd', 7, 'two words'] }), ['a', 'd']);
    assert.deepEqual(scopesOfClaims({ scope: 'a', scp: 'b' }), ['a', 'b']);
    assert.deepEqual(scopesOfClaims({ scope: { toString: 1 } }), []);
  });

  it('applies a hierarchy transitively, cycles included', () => {
    const hierarchy = new ScopeHierarchy({ admin: ['write'], write: ['read'], a: ['b'], b: ['a'] });
    const principal = { subject: 's', scopes: ['admin'] };
    assert.deepEqual(hierarchy.missing(principal, ['read', 'write', 'admin']), []);
    assert.deepEqual(hierarchy.missing({ subject: 's', scopes: ['write'] }, ['read', 'admin']), ['admin']);
    assert.deepEqual(hierarchy.missing({ subject: 's', scopes: ['a'] }, ['b']), []);
    assert.deepEqual(hierarchy.missing(undefined, ['read']), ['read']);
    assert.deepEqual(hierarchy.missing(undefined, []), []);
  });
});

describe('principals from claims', () => {
  it('carries subject, client, scopes, expiry and claims, and the token only as a hidden property', () => {
    const principal = principalFromClaims({ sub: 'alice', azp: 'app', scope: 'x y', exp: 2_000_000_000, tenant: 't1' }, 'the.secret.token')!;
    assert.equal(principal.subject, 'alice');
    assert.equal(principal.clientId, 'app');
    assert.deepEqual(principal.scopes, ['x', 'y']);
    assert.equal(principal.expiresAt, 2_000_000_000);
    assert.equal(principal.extra!.tenant, 't1');
    assert.equal(principal.token, 'the.secret.token');
    assert.ok(!JSON.stringify(principal).includes('the.secret.token'));
    assert.ok(!Object.keys(principal).includes('token'));
    assert.ok(Object.isFrozen(principal));
  });

  it('is none without a string subject', () => {
    assert.equal(principalFromClaims({ client_id: 'app' }, 't'), undefined);
    assert.equal(principalFromClaims({ sub: 7 }, 't'), undefined);
  });
});

describe('TokenCache', () => {
  it('forgets the oldest entry past its bound, and entries past their time', () => {
    const cache = new TokenCache<string>({ maxEntries: 2, maxAgeMs: 60_000 });
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('c'), 'C');
    cache.set('expired', 'E', Date.now() - 1);
    assert.equal(cache.get('expired'), undefined);
    cache.set('soon', 'S', Date.now() + 60);
    assert.equal(cache.get('soon'), 'S');
  });

  it('never takes one token for another that ends alike (entries are keyed by the end): the later one takes the place', () => {
    const cache = new TokenCache<string>({ maxEntries: 10, maxAgeMs: 60_000 });
    const end = '.' + 'S'.repeat(40);
    cache.set(`header.alice${end}`, 'alice');
    assert.equal(cache.get(`header.mallory${end}`), undefined, 'a forged payload with the same signature is no hit');
    assert.equal(cache.get(`header.alice${end}`), 'alice');
    cache.set(`header.bob${end}`, 'bob');
    assert.equal(cache.get(`header.bob${end}`), 'bob');
    assert.equal(cache.get(`header.alice${end}`), undefined);
    assert.equal(cache.size, 1);
  });

  it('remembers nothing when turned off', () => {
    const cache = new TokenCache<string>({ maxEntries: 0, maxAgeMs: 60_000 });
    cache.set('a', 'A');
    assert.equal(cache.get('a'), undefined);
  });
});

describe('ApiKeys', () => {
  it('finds the principal of a key given as such or as its SHA-256 digest', () => {
    const keys = new ApiKeys({ ci: { key: 'key-of-the-ci-000' }, ops: { sha256: createHash('sha256').update('key-of-ops-000000').digest('hex'), scopes: ['admin'] } });
    assert.deepEqual(keys.principal('key-of-the-ci-000'), { subject: 'ci', scopes: [] });
    assert.deepEqual(keys.principal('key-of-ops-000000'), { subject: 'ops', scopes: ['admin'] });
    assert.equal(keys.principal('key-of-the-ci-00'), undefined);
    assert.equal(keys.principal(''), undefined);
  });

  it('needs a key or a digest', () => {
    assert.throws(() => new ApiKeys({ broken: {} }), /needs a key/);
  });
});

describe('ToolScopes', () => {
  it('takes an exact entry first, then the longest matching pattern, then what the tool declares', () => {
    const declared = new Map<string, readonly string[]>([
      ['deploy', ['ops']],
      ['github__issue', []],
      ['github__admin_delete', []],
      ['other', ['own']],
    ]);
    const policy = new ToolScopes({
      tools: { deploy: ['deploy'], 'github__*': ['gh'], 'github__admin_*': ['gh:admin'] },
      declared: (name) => declared.get(name),
    });
    assert.deepEqual(policy.required('deploy'), ['deploy']);
    assert.deepEqual(policy.required('github__issue'), ['gh']);
    assert.deepEqual(policy.required('github__admin_delete'), ['gh:admin']);
    assert.deepEqual(policy.required('other'), ['own']);
    assert.equal(policy.required('unknown'), undefined);
    assert.ok(policy.allows({ subject: 's', scopes: ['gh'] }, 'github__issue'));
    assert.ok(!policy.allows({ subject: 's', scopes: ['gh'] }, 'github__admin_delete'));
    assert.ok(policy.allows(undefined, 'unknown'));
  });

  it('treats pattern characters other than * literally', () => {
    const policy = new ToolScopes({ tools: { 'a.b*': ['x'] } });
    assert.deepEqual(policy.required('a.bc'), ['x']);
    assert.deepEqual(policy.required('aXbc'), []);
  });
});

describe('protected resource metadata URLs (RFC 9728, section 3.1)', () => {
  it('inserts the well-known path between the host and the path', () => {
    assert.equal(metadataUrl('https://mcp.example.com/mcp'), 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    assert.equal(metadataUrl('https://mcp.example.com'), 'https://mcp.example.com/.well-known/oauth-protected-resource');
    assert.equal(metadataUrl('https://mcp.example.com:8443/a/b/'), 'https://mcp.example.com:8443/.well-known/oauth-protected-resource/a/b');
    assert.deepEqual(metadataPaths('/mcp'), ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']);
    assert.deepEqual(metadataPaths('/'), ['/.well-known/oauth-protected-resource']);
  });
});
