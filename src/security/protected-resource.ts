/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), which MCP servers MUST serve (spec:
 * authorization, authorization server location): where clients learn which authorization
 * servers issue tokens for this server. Served outside authentication, at the root well-known
 * URL and at the one suffixed with the MCP endpoint's path, the two places clients look.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const WELL_KNOWN_PATH = '/.well-known/oauth-protected-resource';

/** The metadata document (RFC 9728, section 2). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
}

/**
 * The metadata URL of a resource: the well-known path inserted between its host and its path
 * (RFC 9728, section 3.1), a trailing slash dropped.
 *
 * @example
 * metadataUrl('https://mcp.example.com/mcp') // 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'
 */
export function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}${WELL_KNOWN_PATH}${path}`;
}

/**
 * Answers GET and HEAD with the document (public, cacheable, readable from any origin: browsers
 * fetch it before they hold a token); OPTIONS as a CORS preflight; anything else with 405.
 */
export function metadataRoute(document: ProtectedResourceMetadata): (req: IncomingMessage, res: ServerResponse) => void {
  const body = JSON.stringify(document);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'public, max-age=3600',
    'access-control-allow-origin': '*',
  };
  return (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.writeHead(200, headers).end(req.method === 'GET' ? body : undefined);
    } else if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-max-age': '86400' }).end();
    } else {
      res.writeHead(405, { allow: 'GET, HEAD, OPTIONS' }).end();
    }
  };
}

/**
 * The paths to serve the metadata on for an MCP endpoint at `mcpPath`: the root well-known
 * URL, and the one suffixed with the endpoint's path.
 */
export function metadataPaths(mcpPath: string): string[] {
  const suffix = mcpPath === '/' ? '' : mcpPath.replace(/\/$/, '');
  return suffix === '' ? [WELL_KNOWN_PATH] : [WELL_KNOWN_PATH, `${WELL_KNOWN_PATH}${suffix}`];
}
