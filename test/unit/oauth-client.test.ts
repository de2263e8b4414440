/**
 * The OAuth client's pieces on their own: challenge parsing, the discovery orders, resource
 * binding, the RFC 9207 `iss` table, scope selection, and the file token store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { validateCallback } from '../../src/client/auth/authorization-code.ts';
import { authorizationServerMetadataUrls, protectedResourceMetadataUrls, resourceCovers } from '../../src/client/auth/discovery.ts';
import { FileTokenStore } from '../../src/client/auth/file-token-store.ts';
import { OAuthError } from '../../src/client/auth/oauth-error.ts';
import { selectScope } from '../../src/client/auth/scope.ts';
import { parseWwwAuthenticate } from '../../src/client/auth/www-authenticate.ts';

describe('WWW-Authenticate', () => {
  test('reads the parameters MCP uses, quoted or not', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://x/.well-known/oauth-protected-resource"'), [
      { scheme: 'bearer', params: { error: 'insufficient_scope', scope: 'files:read files:write', resource_metadata: 'https://x/.well-known/oauth-protected-resource' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Bearer realm=mcp'), [{ scheme: 'bearer', params: { realm: 'mcp' } }]);
  });

  test('splits joined challenges and unescapes quoted strings', () => {
    assert.deepEqual(parseWwwAuthenticate('DPoP algs="ES256", error="use_dpop_nonce", Bearer realm="a\\"b"'), [
      { scheme: 'dpop', params: { algs: 'ES256', error: 'use_dpop_nonce' } },
      { scheme: 'bearer', params: { realm: 'a"b' } },
    ]);
  });

  test('garbage gives no parameters and no exception', () => {
    for (const header of ['', ',,,', '"', '=x', 'Bearer scope="unterminated']) assert.doesNotThrow(() => parseWwwAuthenticate(header));
  });
});

describe('discovery', () => {
  test('protected resource metadata: path-aware first, then the root', () => {
    assert.deepEqual(protectedResourceMetadataUrls(new URL('https://example.com/public/mcp')).map(String), [
      'https://example.com/.well-known/oauth-protected-resource/public/mcp',
      'https://example.com/.well-known/oauth-protected-resource',
    ]);
    assert.deepEqual(protectedResourceMetadataUrls(new URL('https://example.com/')).map(String), ['https://example.com/.well-known/oauth-protected-resource']);
  });

  test('authorization server metadata: RFC 8414 and OpenID Connect, with and without a path', () => {
    assert.deepEqual(authorizationServerMetadataUrls(new URL('https://auth.example.com/tenant1')).map(String), [
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant1',
      'https://auth.example.com/.well-known/openid-configuration/tenant1',
      'https://auth.example.com/tenant1/.well-known/openid-configuration',
    ]);
    assert.deepEqual(authorizationServerMetadataUrls(new URL('https://auth.example.com')).map(String), [
      'https://auth.example.com/.well-known/oauth-authorization-server',
      'https://auth.example.com/.well-known/openid-configuration',
    ]);
  });

  test('a resource covers its own URL and the paths below it, nothing else', () => {
    const server = new URL('https://mcp.example.com/api/mcp');
    assert.ok(resourceCovers('https://mcp.example.com/api/mcp', server));
    assert.ok(resourceCovers('https://mcp.example.com', server));
    assert.ok(resourceCovers('https://mcp.example.com/api', server));
    assert.ok(!resourceCovers('https://evil.example.com/api/mcp', server));
    assert.ok(!resourceCovers('https://mcp.example.com:8443/api/mcp', server));
    assert.ok(!resourceCovers('https://mcp.example.com/ap', server));
    assert.ok(!resourceCovers('https://mcp.example.com/api/mcp/deeper', server));
    assert.ok(!resourceCovers('not a url', server));
  });
});

describe('authorization response validation (RFC 9207)', () => {
  const issuer = 'https://auth.example.com';
  const callback = (query: string) => new URL(`http://127.0.0.1:9/callback?${query}`);

  test('iss advertised and present: compared exactly; a normalization variant is a mismatch', () => {
    assert.equal(validateCallback(callback(`code=c&state=s&iss=${encodeURIComponent(issuer)}`), { state: 's', expectedIssuer: issuer, issRequired: true }), 'c');
    assert.throws(() => validateCallback(callback(`code=c&state=s&iss=${encodeURIComponent(`${issuer}/`)}`), { state: 's', expectedIssuer: issuer, issRequired: true }), OAuthError);
    assert.throws(() => validateCallback(callback('code=c&state=s&iss=https%3A%2F%2FAUTH.example.com'), { state: 's', expectedIssuer: issuer, issRequired: true }), OAuthError);
  });

  test('iss advertised and absent: rejected', () => {
    assert.throws(() => validateCallback(callback('code=c&state=s'), { state: 's', expectedIssuer: issuer, issRequired: true }), /no iss/);
  });

  test('iss not advertised: a present iss is still compared, an absent one is fine', () => {
    assert.throws(() => validateCallback(callback('code=c&state=s&iss=https%3A%2F%2Fevil.example.com'), { state: 's', expectedIssuer: issuer, issRequired: false }), OAuthError);
    assert.equal(validateCallback(callback('code=c&state=s'), { state: 's', expectedIssuer: issuer, issRequired: false }), 'c');
  });

  test('an error from the wrong issuer is not shown; a wrong state is rejected', () => {
    const error = (() => {
      try {
        validateCallback(callback('error=access_denied&error_description=click%20here&state=s&iss=https%3A%2F%2Fevil.example.com'), { state: 's', expectedIssuer: issuer, issRequired: false });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    assert.ok(error instanceof OAuthError && !error.message.includes('click here') && error.error === undefined);
    assert.throws(() => validateCallback(callback('code=c&state=other'), { state: 's', expectedIssuer: issuer, issRequired: false }), /state/);
  });
});

describe('scope selection', () => {
  test('challenge first, then the resource scopes, else none', () => {
    assert.equal(selectScope({ challenged: 'a', resourceScopes: ['b'], offlineAccess: false }), 'a');
    assert.equal(selectScope({ resourceScopes: ['b', 'c'], offlineAccess: false }), 'b c');
    assert.equal(selectScope({ offlineAccess: true, serverScopes: ['offline_access'] }), undefined);
  });

  test('step-up keeps earlier scopes; offline_access only when the server lists it', () => {
    assert.equal(selectScope({ challenged: 'mcp:write', prior: 'mcp:basic', offlineAccess: false }), 'mcp:basic mcp:write');
    assert.equal(selectScope({ challenged: 'a', offlineAccess: true, serverScopes: ['a', 'offline_access'] }), 'a offline_access');
    assert.equal(selectScope({ challenged: 'a', offlineAccess: true, serverScopes: ['a'] }), 'a');
  });
});

describe('FileTokenStore', () => {
  test('writes the file with mode 0600 and reads it back in a new store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-core-tokens-'));
    try {
      const path = join(dir, 'nested', 'tokens.json');
      const store = new FileTokenStore(path);
      await Promise.all([
        store.setTokens('https://a.example/mcp', { accessToken: 'at', tokenType: 'Bearer', issuer: 'https://as', resource: 'https://a.example/mcp' }),
        store.setClient('https://as', { clientId: 'c1' }),
      ]);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      const again = new FileTokenStore(path);
      assert.equal((await again.getTokens('https://a.example/mcp'))?.accessToken, 'at');
      assert.equal((await again.getClient('https://as'))?.clientId, 'c1');
      assert.equal(await again.getTokens('constructor'), undefined);
      await again.deleteTokens('https://a.example/mcp');
      assert.deepEqual(JSON.parse(await readFile(path, 'utf8')).tokens, {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a link planted at the temporary file name is not followed (tokens written elsewhere)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-core-tokens-'));
    try {
      const path = join(dir, 'tokens.json');
      const victim = join(dir, 'victim.txt');
      await writeFile(victim, 'untouched');
      await symlink(victim, `${path}.${process.pid}.tmp`);
      await new FileTokenStore(path).setTokens('r', { accessToken: 'secret-token', tokenType: 'Bearer', issuer: 'i', resource: 'r' });
      assert.equal(await readFile(victim, 'utf8'), 'untouched');
      assert.equal((await new FileTokenStore(path).getTokens('r'))?.accessToken, 'secret-token');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a damaged file is a clear error, not a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-core-tokens-'));
    try {
      const path = join(dir, 'tokens.json');
      await writeFile(path, '{"tokens": [');
      await assert.rejects(new FileTokenStore(path).getTokens('x'), /not valid JSON/);
      await writeFile(path, '[]');
      await assert.rejects(new FileTokenStore(path).getClient('x'), /not a token store file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('regression: a file past 4 MiB is refused, read no further (it was read whole, a link to /dev/zero until memory ran out)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-core-tokens-'));
    try {
      const path = join(dir, 'tokens.json');
      await writeFile(path, '');
      await truncate(path, 5 * 1024 * 1024);
      await assert.rejects(new FileTokenStore(path).getTokens('x'), (error: Error) => error.name === 'OAuthError' && error.message === `Token store ${path} is larger than 4194304 bytes; remove it to log in again`);
      await assert.rejects(new FileTokenStore('/dev/zero').getTokens('x'), /Token store \/dev\/zero is larger than 4194304 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
