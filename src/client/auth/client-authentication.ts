/**
 * How the client proves who it is at the token endpoint (OAuth 2.1 Section 2.4; RFC 8414
 * `token_endpoint_auth_methods_supported`): `none` (a public client sends its `client_id`),
 * `client_secret_basic` (HTTP Basic, id and secret form-encoded first, RFC 6749 Section
 * 2.3.1), `client_secret_post` (both in the body), or `private_key_jwt` (a JWT signed with
 * the client's key, RFC 7523 Section 2.2, signed with jose).
 */
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT, type CryptoKey, type JWK, importJWK } from 'jose';
import type { AuthorizationServerMetadata } from './metadata.ts';
import { OAuthError, quote } from './oauth-error.ts';

export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** A client's identity at one authorization server. */
export interface ClientCredentials {
  clientId: string;
  clientSecret?: string;
  /** For `private_key_jwt`: a PKCS#8 PEM string or a private JWK. */
  privateKey?: string | JWK;
  /** The JWS algorithm of `privateKey`. Default ES256. */
  signingAlgorithm?: string;
  /** The method to use; chosen from the server's metadata when absent. */
  tokenEndpointAuthMethod?: string;
}

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The method for these credentials at this server. */
export function chooseAuthMethod(client: ClientCredentials, server: AuthorizationServerMetadata): TokenEndpointAuthMethod {
  if (client.tokenEndpointAuthMethod !== undefined) {
    const method = client.tokenEndpointAuthMethod;
    if (method === 'none' || method === 'client_secret_basic' || method === 'client_secret_post' || method === 'private_key_jwt') return method;
    throw new OAuthError(`Unsupported token endpoint authentication method ${quote(method)}`);
  }
  // RFC 8414 Section 2: absent means client_secret_basic only.
  const supported = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (client.privateKey !== undefined) {
    if (supported.includes('private_key_jwt')) return 'private_key_jwt';
    throw new OAuthError('The authorization server does not accept private_key_jwt client authentication');
  }
  if (client.clientSecret === undefined) return 'none';
  if (supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return 'client_secret_basic';
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

async function signingKey(client: ClientCredentials, algorithm: string): Promise<CryptoKey> {
  const key = client.privateKey!;
  return (typeof key === 'string' ? await importPKCS8(key, algorithm) : await importJWK(key, algorithm)) as CryptoKey;
}

/**
 * Adds the client's authentication to a token request's headers and body.
 * For `private_key_jwt` the assertion's audience is the issuer (RFC 7523bis).
 */
export async function authenticateClient(
  method: TokenEndpointAuthMethod,
  client: ClientCredentials,
  server: AuthorizationServerMetadata,
  headers: Record<string, string>,
  body: URLSearchParams,
): Promise<void> {
  switch (method) {
    case 'none':
      body.set('client_id', client.clientId);
      return;
    case 'client_secret_basic':
      if (client.clientSecret === undefined) throw new OAuthError('client_secret_basic needs a client secret');
      headers.authorization = `Basic ${Buffer.from(`${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`).toString('base64')}`;
      return;
    case 'client_secret_post':
      if (client.clientSecret === undefined) throw new OAuthError('client_secret_post needs a client secret');
      body.set('client_id', client.clientId);
      body.set('client_secret', client.clientSecret);
      return;
    case 'private_key_jwt': {
      if (client.privateKey === undefined) throw new OAuthError('private_key_jwt needs a private key');
      const algorithm = client.signingAlgorithm ?? 'ES256';
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
        .setIssuer(client.clientId)
        .setSubject(client.clientId)
        .setAudience(server.issuer)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(await signingKey(client, algorithm));
      // RFC 7523 Section 3: the client is identified by the assertion's `sub`; no client_id.
      body.set('client_assertion_type', JWT_BEARER_ASSERTION);
      body.set('client_assertion', assertion);
      return;
    }
  }
}
