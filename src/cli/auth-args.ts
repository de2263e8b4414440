/**
 * The authentication options of the commands that call a server (`login`, and the client
 * commands): they become the {@link ClientAuthSettings} of client/auth. Secrets are taken from
 * the environment or files, never from the command line, where other users could read them.
 *
 *   --bearer-token-env VAR   a fixed access token, from $VAR
 *   --client-id ID           a pre-registered client (with a secret or key: client credentials)
 *   --client-secret-env VAR  its secret, from $VAR
 *   --client-key FILE        its private key (PKCS#8 PEM), for private_key_jwt
 *   --workload-token FILE    a workload identity JWT, presented with the JWT bearer grant
 *   --scope "A B"            the scopes to ask for
 *   --token-store FILE       where sign-ins are kept (default ~/.config/mcp-core/tokens.json)
 *   --callback-port N        the loopback port for the sign-in redirect (default: any)
 *   --issuer URL             the authorization server that registered --client-id (needed
 *                            with a secret, key or workload token: they are sent to no other)
 *   --auth-timeout-ms N      how long one request to the authorization server may take
 */
// Types only: parsing must not load the OAuth client (and jose) into every `serve` start.
import type { ClientAuthSettings } from '../client/auth/from-settings.ts';
import { UsageError } from './usage-error.ts';

export const AUTH_OPTIONS: ReadonlySet<string> = new Set([
  'bearer-token-env',
  'client-id',
  'client-secret-env',
  'client-key',
  'workload-token',
  'scope',
  'token-store',
  'callback-port',
  'issuer',
  'auth-timeout-ms',
]);

export const AUTH_USAGE = `Authentication (for commands that call a server):
  --bearer-token-env VAR   Send the access token in $VAR
  --client-id ID           A pre-registered OAuth client; with --client-secret-env or
                           --client-key, sign in as that client (client credentials)
  --client-secret-env VAR  The client's secret, from $VAR
  --client-key FILE        The client's private key (PKCS#8 PEM), for private_key_jwt
  --workload-token FILE    A workload identity token (JWT) for the JWT bearer grant
  --scope "A B"            Scopes to ask for (default: what the server asks for)
  --token-store FILE       Where sign-ins are kept (default ~/.config/mcp-core/tokens.json)
  --callback-port N        Loopback port for the browser sign-in redirect (default: any)
  --issuer URL             The authorization server that registered --client-id; needed
                           with a secret, key or workload token, sent to no other server
  --auth-timeout-ms N      How long one request to the authorization server may take
                           (default 30000)
  Without these, the user signs in in a browser when the server asks for it; the tokens are
  kept in the token store and refreshed as needed.
`;

/**
 * @example
 * authSettings(new Map([['client-id', 'svc'], ['client-secret-env', 'SVC_SECRET']]))
 * // { type: 'client_credentials', clientId: 'svc', clientSecretEnv: 'SVC_SECRET' }
 */
export function authSettings(options: ReadonlyMap<string, string | true>, env: NodeJS.ProcessEnv = process.env): ClientAuthSettings {
  // An `oauth` result without tokenStore means the default file, which the command resolves.
  const value = (name: string) => options.get(name) as string | undefined;
  const scope = value('scope');
  const bearer = value('bearer-token-env');
  const workload = value('workload-token');
  const clientId = value('client-id');
  const secretEnv = value('client-secret-env');
  const key = value('client-key');
  const exclusive = [bearer && '--bearer-token-env', workload && '--workload-token', key && '--client-key'].filter(Boolean);
  if (exclusive.length > 1) throw new UsageError(`${exclusive.join(' and ')} cannot be combined`);
  const common = oauthOptions(value('issuer'), value('auth-timeout-ms'), scope);
  if (bearer !== undefined) {
    if (clientId !== undefined || secretEnv !== undefined) throw new UsageError('--bearer-token-env takes no client options');
    return { type: 'bearer', tokenEnv: bearer };
  }
  if (workload !== undefined) {
    if (common.issuer === undefined) throw new UsageError('--workload-token needs --issuer, the authorization server the token is for');
    return { type: 'workload_identity', tokenFile: workload, clientId, ...common };
  }
  if (secretEnv !== undefined && clientId === undefined) throw new UsageError('--client-secret-env needs --client-id');
  if ((key !== undefined || secretEnv !== undefined) && common.issuer === undefined) {
    throw new UsageError(`${key !== undefined ? '--client-key' : '--client-secret-env'} needs --issuer, the authorization server that registered the client`);
  }
  if (key !== undefined) {
    if (clientId === undefined) throw new UsageError('--client-key needs --client-id');
    return { type: 'client_credentials', clientId, privateKeyFile: key, ...common };
  }
  if (secretEnv !== undefined && clientId !== undefined && env[secretEnv] === undefined) throw new UsageError(`--client-secret-env: $${secretEnv} is not set`);
  if (secretEnv !== undefined && clientId !== undefined) return { type: 'client_credentials', clientId, clientSecretEnv: secretEnv, ...common };
  const port = value('callback-port');
  const callbackPort = port === undefined ? undefined : Number(port);
  if (callbackPort !== undefined && (!Number.isInteger(callbackPort) || callbackPort < 1 || callbackPort > 65535)) {
    throw new UsageError(`--callback-port expects a port from 1 to 65535, got "${port}"`);
  }
  const settings: ClientAuthSettings = { type: 'oauth', ...common };
  const store = value('token-store');
  if (store !== undefined) settings.tokenStore = store;
  if (clientId !== undefined) settings.clientId = clientId;
  if (callbackPort !== undefined) settings.callbackPort = callbackPort;
  return settings;
}

/** --issuer, --auth-timeout-ms and --scope, checked, as settings every OAuth kind takes. */
function oauthOptions(issuer: string | undefined, timeout: string | undefined, scope: string | undefined): { issuer?: string; timeoutMs?: number; scope?: string } {
  const out: { issuer?: string; timeoutMs?: number; scope?: string } = {};
  if (issuer !== undefined) {
    if (!/^https?:\/\//.test(issuer)) throw new UsageError(`--issuer expects the authorization server's issuer URL, got "${issuer}"`);
    out.issuer = issuer;
  }
  if (timeout !== undefined) {
    const timeoutMs = Number(timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) throw new UsageError(`--auth-timeout-ms expects milliseconds from 100 to 600000, got "${timeout}"`);
    out.timeoutMs = timeoutMs;
  }
  if (scope !== undefined) out.scope = scope;
  return out;
}
