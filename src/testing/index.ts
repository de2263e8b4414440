/**
 * Test utilities for users' own tests: a client and a server joined in memory, running the
 * full protocol (every message is serialized as on a real wire) without processes or ports.
 */
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

export { RedirectFollowingAuthorizer } from './redirect-following-authorizer.ts';
