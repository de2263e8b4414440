/**
 * Test utilities for users' own tests: a client and a server joined in memory, running the
 * full protocol (every message is serialized as on a real wire) without processes or ports.
 */
import type { Authorizer } from '../client/auth/authorization-code.ts';
import { McpClient, type ClientOptions } from '../client/client.ts';
import { ServerConnection } from '../server/connection.ts';
import type { McpServer } from '../server/server.ts';
import { InMemoryTransport } from '../transport/in-memory.ts';

export interface InMemoryPair {
  client: McpClient;
  connection: ServerConnection;
  close(): Promise<void>;
}

/**
 * Connects a new client to `server` in memory. The client speaks modern by default; pass
 * `{ era: 'legacy' }` to test the session-based revisions.
 *
 * @example
 * const { client, close } = await connectInMemory(server);
 * assert.equal((await client.callTool('echo', { text: 'hi' })).content[0].text, 'hi');
 * await close();
 */
export async function connectInMemory(server: McpServer, options: Partial<ClientOptions> = {}): Promise<InMemoryPair> {
  const [clientSide, serverSide] = InMemoryTransport.createPair();
  const connection = new ServerConnection(server, serverSide).start();
  const client = new McpClient({ name: 'in-memory-test-client', version: '1.0.0', ...options });
  await client.connect(clientSide);
  return { client, connection, close: () => client.close() };
}

/**
 * An authorizer for tests against an authorization server that consents by itself: it follows
 * the authorization server's redirects (without a browser) until one leads to `redirectUri`,
 * and returns that URL. Never use it against a real server: it skips the user's consent.
 *
 * @example
 * const auth = new OAuthClientAuth({ grant: { type: 'authorization_code', authorizer: new RedirectFollowingAuthorizer() } });
 */
export class RedirectFollowingAuthorizer implements Authorizer {
  readonly #redirectUri: string;
  readonly #fetch: typeof fetch;

  constructor(redirectUri = 'http://127.0.0.1:33418/callback', fetchFn: typeof fetch = fetch) {
    this.#redirectUri = redirectUri;
    this.#fetch = fetchFn;
  }

  redirectUri(): string {
    return this.#redirectUri;
  }

  async authorize(url: URL): Promise<URL> {
    let next = url;
    for (let hop = 0; hop < 10; hop++) {
      const response = await this.#fetch(next, { redirect: 'manual' });
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (location === null) throw new Error(`The authorization server answered HTTP ${response.status} without a redirect`);
      next = new URL(location, next);
      if (next.href.startsWith(this.#redirectUri)) return next;
    }
    throw new Error('Too many redirects before the callback');
  }
}
