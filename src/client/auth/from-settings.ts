/**
 * Client authentication from plain settings (a config file entry, command-line flags): the one
 * place where the CLI and the gateway's per-upstream `auth` entries become an
 * {@link HttpClientAuth}. Secrets may be given inline or, better, read from the environment
 * (`tokenEnv`, `clientSecretEnv`) or a file (`tokenFile`, `privateKeyFile`), which is read
 * when a token is needed, so a rotated file is picked up.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HttpClientAuth } from '../../transport/http/client-auth.ts';
import { BearerTokenAuth } from './bearer-token-auth.ts';
import type { ClientCredentials } from './client-authentication.ts';
import { FileTokenStore } from './file-token-store.ts';
import { LoopbackAuthorizer } from './loopback-authorizer.ts';
import { OAuthClientAuth, type Grant } from './oauth-client-auth.ts';
import { OAuthError } from './oauth-error.ts';
import { MemoryTokenStore, type TokenStore } from './token-store.ts';

/** How to authenticate to one server. */
export type ClientAuthSettings =
  /** A fixed access token, sent to this server only. */
  | { type: 'bearer'; token?: string; tokenEnv?: string }
  /** Sign in as a user in a browser (authorization code, loopback redirect); tokens kept in `tokenStore`. */
  | { type: 'oauth'; clientId?: string; clientSecret?: string; clientSecretEnv?: string; scope?: string; callbackPort?: number; clientMetadataUrl?: string; tokenStore?: string }
  /** Machine to machine with a pre-registered client: a secret or a private key (PKCS#8 PEM file). */
  | { type: 'client_credentials'; clientId: string; clientSecret?: string; clientSecretEnv?: string; privateKeyFile?: string; signingAlgorithm?: string; scope?: string }
  /** A workload identity token (a JWT in a file, e.g. a projected service-account token). */
  | { type: 'workload_identity'; clientId?: string; tokenFile: string; scope?: string };

export interface AuthEnvironment {
  /** Shows the sign-in URL to the user. Default: printed to stderr. */
  open?: (url: URL) => void | Promise<void>;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

/** The default file of the command line's token store. */
export function defaultTokenStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'mcp-core', 'tokens.json');
}

function secret(inline: string | undefined, variable: string | undefined, env: NodeJS.ProcessEnv, what: string): string | undefined {
  if (variable === undefined) return inline;
  const value = env[variable];
  if (value === undefined || value === '') throw new OAuthError(`${what}: the environment variable ${variable} is not set`);
  return value;
}

/**
 * @example
 * const auth = createClientAuth({ type: 'client_credentials', clientId: 'svc', clientSecretEnv: 'SVC_SECRET' }, url);
 * await client.connect(new StreamableHttpClientTransport(url, { auth }));
 */
export function createClientAuth(settings: ClientAuthSettings, url: string | URL, environment: AuthEnvironment = {}): HttpClientAuth {
  const env = environment.env ?? process.env;
  switch (settings.type) {
    case 'bearer': {
      const token = secret(settings.token, settings.tokenEnv, env, 'bearer token');
      if (token === undefined || token === '') throw new OAuthError('bearer auth needs a token or tokenEnv');
      return new BearerTokenAuth(token, url);
    }
    case 'oauth': {
      const authorizer = new LoopbackAuthorizer({ port: settings.callbackPort, open: environment.open });
      const grant: Grant = { type: 'authorization_code', authorizer, clientMetadataUrl: settings.clientMetadataUrl };
      const store: TokenStore = settings.tokenStore === undefined ? new MemoryTokenStore() : new FileTokenStore(settings.tokenStore);
      return new OAuthClientAuth({ grant, store, scope: settings.scope, client: preRegistered(settings.clientId, secret(settings.clientSecret, settings.clientSecretEnv, env, 'client secret')), fetch: environment.fetch });
    }
    case 'client_credentials': {
      const client: ClientCredentials = { clientId: settings.clientId };
      const clientSecret = secret(settings.clientSecret, settings.clientSecretEnv, env, 'client secret');
      if (clientSecret !== undefined) client.clientSecret = clientSecret;
      if (settings.signingAlgorithm !== undefined) client.signingAlgorithm = settings.signingAlgorithm;
      const auth = new OAuthClientAuth({ grant: { type: 'client_credentials' }, client, scope: settings.scope, fetch: environment.fetch });
      if (settings.privateKeyFile === undefined) {
        if (clientSecret === undefined) throw new OAuthError('client_credentials auth needs a clientSecret, clientSecretEnv or privateKeyFile');
        return auth;
      }
      const keyFile = settings.privateKeyFile;
      // The key is read on first use; a missing file is reported then, with its path.
      return withLazyKey(auth, client, keyFile);
    }
    case 'workload_identity':
      return new OAuthClientAuth({
        grant: { type: 'workload_identity', assertion: async () => (await readFile(settings.tokenFile, 'utf8')).trim() },
        client: settings.clientId === undefined ? undefined : { clientId: settings.clientId, tokenEndpointAuthMethod: 'none' },
        scope: settings.scope,
        fetch: environment.fetch,
      });
  }
}

function preRegistered(clientId: string | undefined, clientSecret: string | undefined): ClientCredentials | undefined {
  if (clientId === undefined) return undefined;
  return clientSecret === undefined ? { clientId } : { clientId, clientSecret };
}

/** Loads the private key into `client` before the first challenge is answered. */
function withLazyKey(auth: OAuthClientAuth, client: ClientCredentials, keyFile: string): HttpClientAuth {
  let loaded: Promise<void> | undefined;
  const load = () =>
    (loaded ??= readFile(keyFile, 'utf8').then(
      (pem) => {
        client.privateKey = pem;
      },
      (error: NodeJS.ErrnoException) => {
        loaded = undefined;
        throw new OAuthError(`Cannot read the client's private key ${keyFile}: ${error.code ?? 'error'}`);
      },
    ));
  return {
    headers: (request) => auth.headers(request),
    challenge: async (response, request) => {
      await load();
      return auth.challenge(response, request);
    },
    observe: (response, request) => auth.observe(response, request),
  };
}
