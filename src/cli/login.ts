/**
 * `mcp-core login URL`: signs in to an MCP server and keeps the tokens, so later commands reach
 * the server without signing in again. A browser sign-in prints the URL to open and waits for
 * the redirect on a loopback port; tokens go to the token store file (mode 0600).
 */
import { createClientAuth, defaultTokenStorePath } from '../client/auth/from-settings.ts';
import { McpClient } from '../client/client.ts';
import { StreamableHttpClientTransport } from '../transport/http/client.ts';
import type { LoginArgs } from './args.ts';

export async function loginCommand(args: LoginArgs, version: string): Promise<void> {
  const settings = args.auth.type === 'oauth' ? { ...args.auth, tokenStore: args.auth.tokenStore ?? defaultTokenStorePath() } : args.auth;
  const auth = createClientAuth(settings, args.url, {
    open: (url) => void process.stderr.write(`To sign in, open this URL in a browser:\n\n  ${url.href}\n\nWaiting for the sign-in to complete...\n`),
  });
  const client = new McpClient({ name: 'mcp-core', version });
  // No standing GET stream: the command ends as soon as it has shown the server accepts it.
  await client.connect(new StreamableHttpClientTransport(args.url, { auth, listen: false }));
  try {
    const tools = await client.listTools();
    const kept = settings.type === 'oauth' ? `; tokens kept in ${settings.tokenStore}` : '';
    process.stdout.write(`Signed in to ${args.url} (${tools.length} tools)${kept}\n`);
  } finally {
    await client.close();
  }
}
