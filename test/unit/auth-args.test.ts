/** The client commands' auth options (--bearer-token-env, --client-id, ...) as client auth settings, and their usage errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authSettings } from '../../src/cli/auth-args.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

const options = (entries: Record<string, string>) => new Map<string, string | true>(Object.entries(entries));
const ISSUER = 'https://auth.example.com';

describe('client auth options', () => {
  it('makes the settings of each kind: bearer, workload identity, client credentials by key or secret, and interactive sign-in', () => {
    assert.deepEqual(authSettings(options({ 'bearer-token-env': 'TOKEN' })), { type: 'bearer', tokenEnv: 'TOKEN' });
    assert.deepEqual(authSettings(options({ 'workload-token': '/run/token', issuer: ISSUER, 'client-id': 'svc' })), { type: 'workload_identity', tokenFile: '/run/token', clientId: 'svc', issuer: ISSUER });
    assert.deepEqual(authSettings(options({ 'client-key': 'key.pem', 'client-id': 'svc', issuer: ISSUER, scope: 'mcp' })), { type: 'client_credentials', clientId: 'svc', privateKeyFile: 'key.pem', issuer: ISSUER, scope: 'mcp' });
    assert.deepEqual(authSettings(options({ 'client-secret-env': 'SECRET', 'client-id': 'svc', issuer: ISSUER, 'auth-timeout-ms': '5000' }), { SECRET: 's' }), {
      type: 'client_credentials',
      clientId: 'svc',
      clientSecretEnv: 'SECRET',
      issuer: ISSUER,
      timeoutMs: 5000,
    });
    assert.deepEqual(authSettings(options({ 'token-store': 'tokens.json', 'client-id': 'cli', 'callback-port': '8765' })), { type: 'oauth', tokenStore: 'tokens.json', clientId: 'cli', callbackPort: 8765 });
    assert.deepEqual(authSettings(options({})), { type: 'oauth' });
  });

  it('refuses what cannot work together or is out of range, saying which option and why', () => {
    const refused = (entries: Record<string, string>, message: RegExp, env: NodeJS.ProcessEnv = {}) =>
      assert.throws(() => authSettings(options(entries), env), (error: unknown) => error instanceof UsageError && message.test(error.message), JSON.stringify(entries));
    refused({ 'bearer-token-env': 'T', 'client-key': 'k' }, /^--bearer-token-env and --client-key cannot be combined$/);
    refused({ 'bearer-token-env': 'T', 'client-id': 'svc' }, /^--bearer-token-env takes no client options$/);
    refused({ 'workload-token': '/run/token' }, /^--workload-token needs --issuer/);
    refused({ 'client-secret-env': 'S' }, /^--client-secret-env needs --client-id$/);
    refused({ 'client-secret-env': 'S', 'client-id': 'svc' }, /^--client-secret-env needs --issuer/);
    refused({ 'client-key': 'k', issuer: ISSUER }, /^--client-key needs --client-id$/);
    refused({ 'client-secret-env': 'S', 'client-id': 'svc', issuer: ISSUER }, /^--client-secret-env: \$S is not set$/);
    refused({ issuer: 'auth.example.com' }, /^--issuer expects the authorization server's issuer URL, got "auth\.example\.com"$/);
    for (const timeout of ['99', '600001', '1.5', 'soon']) refused({ 'auth-timeout-ms': timeout }, /^--auth-timeout-ms expects milliseconds from 100 to 600000/);
    for (const port of ['0', '65536', 'x']) refused({ 'callback-port': port }, /^--callback-port expects a port from 1 to 65535/);
  });
});
