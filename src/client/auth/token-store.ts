/**
 * Where the OAuth client keeps what it obtained: tokens per resource (the MCP server's
 * canonical URI) and client registrations per authorization server issuer. Keying
 * registrations by issuer is what keeps credentials from crossing authorization servers
 * (2026-07-28 authorization/client-registration, Authorization Server Binding); a token
 * record names the issuer and the resource it was issued for, and is only sent there.
 */
import type { JWK } from 'jose';

export interface StoredTokens {
  accessToken: string;
  /** `Bearer`, or `DPoP` for a sender-constrained token (RFC 9449). */
  tokenType: 'Bearer' | 'DPoP';
  refreshToken?: string;
  /** Epoch milliseconds after which the access token is expired, when the server said. */
  expiresAt?: number;
  /** The scopes granted (or, when the server did not say, requested), space-separated. */
  scope?: string;
  /** The issuer of the authorization server that issued the token. */
  issuer: string;
  /** The resource the token was issued for. */
  resource: string;
  /** The private key the token is bound to, for DPoP tokens. */
  dpopKey?: JWK;
}

export interface StoredClient {
  clientId: string;
  clientSecret?: string;
  tokenEndpointAuthMethod?: string;
  redirectUris?: string[];
}

/**
 * @example
 * const store = new MemoryTokenStore();
 * new OAuthClientAuth({ store, grant: { type: 'client_credentials' }, client: { clientId, clientSecret } });
 */
export interface TokenStore {
  getTokens(resource: string): Promise<StoredTokens | undefined>;
  setTokens(resource: string, tokens: StoredTokens): Promise<void>;
  deleteTokens(resource: string): Promise<void>;
  getClient(issuer: string): Promise<StoredClient | undefined>;
  setClient(issuer: string, client: StoredClient): Promise<void>;
  deleteClient(issuer: string): Promise<void>;
}

/** The default store: this process only. Its contents are private fields, so never printed. */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, StoredTokens>();
  readonly #clients = new Map<string, StoredClient>();

  async getTokens(resource: string): Promise<StoredTokens | undefined> {
    return this.#tokens.get(resource);
  }

  async setTokens(resource: string, tokens: StoredTokens): Promise<void> {
    this.#tokens.set(resource, tokens);
  }

  async deleteTokens(resource: string): Promise<void> {
    this.#tokens.delete(resource);
  }

  async getClient(issuer: string): Promise<StoredClient | undefined> {
    return this.#clients.get(issuer);
  }

  async setClient(issuer: string, client: StoredClient): Promise<void> {
    this.#clients.set(issuer, client);
  }

  async deleteClient(issuer: string): Promise<void> {
    this.#clients.delete(issuer);
  }
}
