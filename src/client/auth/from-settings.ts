/**
 * Client authentication from plain settings (a config file entry, command-line flags): the one
 * place where the CLI and the gateway's per-upstream `auth` entries become an
 * {@link HttpClientAuth}. Secrets may be given inline or, better, read from the environment
 * (`tokenEnv`, `clientSecretEnv`) or a file (`tokenFile`, `privateKeyFile`), which is read
 * when a token is needed, so a rotated file is picked up.
 *
 * A client secret, private key or workload token goes with the `issuer` of the authorization
 * server it is for, and only ever to that server (2026-07-28 client-registration, Authorization Server
 * Binding): an MCP server naming another one gets an OAuthError, never the credentials.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FileTooLarge, readFileUpTo } from '../../protocol/bounded-file.ts';
import type { HttpClientAuth } from '../../transport/http/client-auth.ts';
import { BearerTokenAuth } from './bearer-token-auth.ts';
import type { ClientCredentials } from './client-authentication.ts';
import { FileTokenStore } from './file-token-store.ts';
import { LoopbackAuthorizer } from './loopback-authorizer.ts';
import { OAuthClientAuth, type Grant } from './oauth-client-auth.ts';
import { OAuthError } from './oauth-error.ts';
import { MemoryTokenStore, type TokenStore } from './token-store.ts';

/** What every OAuth kind of settings takes. */
interface OAuthSettings {
  scope?: string;
  /**
   * The issuer of the authorization server the pre-registered client (`clientId`) belongs to:
   * its credentials go there only. Needed with a secret, a private key or a workload token;
   * without, a client_id alone is bound to the first authorization server it is used with.
   */
  issuer?: string;
  /** How long one metadata, registration or token request may take, in ms. Default 30,000. */
  timeoutMs?: number;
}

/** How to authenticate to one server. */
export type ClientAuthSettings =
  /** A fixed access token, sent to this server only. */
  | { type: 'bearer'; token?: string; tokenEnv?: string }
  /** Sign in as a user in a browser (authorization code, loopback redirect); tokens kept in `tokenStore`. */
  | ({ type: 'oauth'; clientId?: string; clientSecret?: string; clientSecretEnv?: string; callbackPort?: number; clientMetadataUrl?: string; tokenStore?: string } & OAuthSettings)
  /** Machine to machine with a pre-registered client: a secret or a private key (PKCS#8 PEM file). */
  | ({ type: 'client_credentials'; clientId: string; clientSecret?: string; clientSecretEnv?: string; privateKeyFile?: string; signingAlgorithm?: string } & OAuthSettings)
  /** A workload identity token (a JWT in a file, e.g. a projected service-account token). */
  | ({ type: 'workload_identity'; clientId?: string; tokenFile: string } & OAuthSettings);

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
 * const auth = createClientAuth({ type: 'client_credentials', clientId: 'svc', clientSecretEnv: 'SVC_SECRET', issuer: 'https://auth.example.com' }, url);
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
      const client = preRegistered(settings, secret(settings.clientSecret, settings.clientSecretEnv, env, 'client secret'));
      return new OAuthClientAuth({ grant, store, client, ...common(settings, environment) });
    }
    case 'client_credentials': {
      const clientSecret = secret(settings.clientSecret, settings.clientSecretEnv, env, 'client secret');
      const client = preRegistered(settings, clientSecret)!;
      if (settings.signingAlgorithm !== undefined) client.signingAlgorithm = settings.signingAlgorithm;
      const auth = new OAuthClientAuth({ grant: { type: 'client_credentials' }, client, ...common(settings, environment) });
      if (settings.privateKeyFile === undefined) {
        if (clientSecret === undefined) throw new OAuthError('client_credentials auth needs a clientSecret, clientSecretEnv or privateKeyFile');
        return auth;
      }
      if (settings.issuer === undefined) throw new OAuthError(UNBOUND);
      const keyFile = settings.privateKeyFile;
      // The key is read on first use; a missing file is reported then, with its path.
      return withLazyKey(auth, client, keyFile);
    }
    case 'workload_identity':
      // The workload token is a credential too: it goes to its authorization server only.
      if (settings.issuer === undefined) throw new OAuthError(UNBOUND);
      return new OAuthClientAuth({
        issuer: settings.issuer,
        grant: { type: 'workload_identity', assertion: async () => (await readCredential(settings.tokenFile, 'the workload token')).trim() },
        client: settings.clientId === undefined ? undefined : { ...preRegistered(settings, undefined)!, tokenEndpointAuthMethod: 'none' },
        ...common(settings, environment),
      });
  }
}

const UNBOUND = 'A client secret, private key or workload token needs the issuer of the authorization server that issued it (issuer): it is sent to no other';

/** The options every OAuth kind passes on as they are. */
function common(settings: OAuthSettings, environment: AuthEnvironment) {
  const timeout = settings.timeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) throw new OAuthError('timeoutMs must be a whole number of milliseconds above 0');
  return { scope: settings.scope, timeoutMs: settings.timeoutMs, fetch: environment.fetch };
}

/**
 * The pre-registered client, bound to `issuer`. A secret without an issuer is refused: it would
 * go to whichever authorization server the MCP server names first.
 */
function preRegistered(settings: { clientId?: string; issuer?: string }, clientSecret: string | undefined): (ClientCredentials & { issuer?: string }) | undefined {
  if (settings.clientId === undefined) return undefined;
  if (clientSecret !== undefined && settings.issuer === undefined) throw new OAuthError(UNBOUND);
  const client: ClientCredentials & { issuer?: string } = { clientId: settings.clientId };
  if (clientSecret !== undefined) client.clientSecret = clientSecret;
  if (settings.issuer !== undefined) client.issuer = settings.issuer;
  return client;
}

/**
 * A workload token or a private key holds at most this much (they are a few KiB): a path to
 * /dev/zero was read until memory ran out, at each token request for a workload token.
 */
export const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

/** The text of a credential file; an OAuthError naming `what` and the file when it cannot be read. */
async function readCredential(path: string, what: string): Promise<string> {
  try {
    return (await readFileUpTo(path, MAX_CREDENTIAL_FILE_BYTES)).toString('utf8');
  } catch (error) {
    const why = error instanceof FileTooLarge ? error.message : ((error as NodeJS.ErrnoException).code ?? 'error');
    throw new OAuthError(`Cannot read ${what} ${path}: ${why}`);
  }
}

/** Loads the private key into `client` before the first challenge is answered. */
function withLazyKey(auth: OAuthClientAuth, client: ClientCredentials, keyFile: string): HttpClientAuth {
  let loaded: Promise<void> | undefined;
  const load = () =>
    (loaded ??= readCredential(keyFile, "the client's private key").then(
      (pem) => {
        client.privateKey = pem;
      },
      (error: unknown) => {
        loaded = undefined;
        throw error;
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
