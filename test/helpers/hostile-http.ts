/**
 * A hostile MCP server over HTTP for client tests: a raw node:http server on 127.0.0.1 that
 * answers `server/discover` (modern) or `initialize` (legacy) properly and hands every other
 * message to the test's own handler, which may answer it as wrongly as it likes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LATEST_LEGACY_VERSION, MODERN_VERSION } from '../../src/protocol/versions.ts';

export interface Received {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

export type Handler = (message: Received, res: ServerResponse, req: IncomingMessage) => void;

export class HostileServer {
  readonly #server: Server;
  /** Handles what the handshake does not: set by each test. */
  handler: Handler;
  /** The session id an `initialize` answer carries, or none. */
  sessionId: string | undefined;
  /** GET and DELETE requests, for the test to answer (default: 405). */
  other: (req: IncomingMessage, res: ServerResponse) => void;

  constructor() {
    this.handler = (_message, res) => res.writeHead(202).end();
    this.sessionId = undefined;
    this.other = (_req, res) => res.writeHead(405).end();
    this.#server = createServer((req, res) => {
      if (req.method !== 'POST') return this.other(req, res);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const message = JSON.parse(body) as Received;
        if (message.method === 'server/discover') return json(res, { jsonrpc: '2.0', id: message.id, result: { resultType: 'complete', supportedVersions: [MODERN_VERSION], capabilities: { tools: {} }, ttlMs: 0, cacheScope: 'private' } });
        if (message.method === 'initialize') {
          const headers: Record<string, string> = this.sessionId === undefined ? {} : { 'mcp-session-id': this.sessionId };
          return json(res, { jsonrpc: '2.0', id: message.id, result: { protocolVersion: LATEST_LEGACY_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1' } } }, headers);
        }
        if (message.method === 'notifications/initialized') return res.writeHead(202).end();
        this.handler(message, res, req);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/mcp`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
