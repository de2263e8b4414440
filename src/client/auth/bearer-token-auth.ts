/**
 * A fixed access token, obtained elsewhere (a CI secret, a personal access token). It is put
 * only on requests to the resource it was given for, and never refreshed: a 401 is the
 * caller's to handle.
 */
import type { AuthRequest, HttpClientAuth } from '../../transport/http/client-auth.ts';
import { resourceCovers } from './discovery.ts';

/**
 * @example
 * const auth = new BearerTokenAuth(process.env.MCP_TOKEN!, 'https://mcp.example.com/mcp');
 * await client.connect(new StreamableHttpClientTransport('https://mcp.example.com/mcp', { auth }));
 */
export class BearerTokenAuth implements HttpClientAuth {
  readonly #token: string;
  readonly #resource: string;

  /** `resource`: the URL (or a parent of it) of the only server the token may be sent to. */
  constructor(token: string, resource: string | URL) {
    this.#token = token;
    this.#resource = new URL(resource).href;
  }

  headers(request: AuthRequest): Record<string, string> {
    return resourceCovers(this.#resource, request.url) ? { authorization: `Bearer ${this.#token}` } : {};
  }

  async challenge(): Promise<boolean> {
    return false;
  }
}
