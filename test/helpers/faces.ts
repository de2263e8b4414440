/**
 * Both HTTP faces served on real sockets on 127.0.0.1: the node:http face as `serveHttp` makes
 * it, and the fetch face behind a plain node:http server that turns each request into a web
 * Request (as @hono/node-server or a Bun/Deno runtime would), streaming the Response back.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createFetchHandler, type FetchHandler } from '../../src/transport/http/fetch.ts';
import { serveHttp, type NodeHandlerOptions } from '../../src/transport/http/node.ts';
import type { McpEndpoint, StreamableHttp } from '../../src/transport/http/streamable-http.ts';

export interface Served {
  url: string;
  transport: StreamableHttp;
  close(): Promise<void>;
}

export interface Face {
  name: 'node' | 'fetch';
  serve(endpoint: McpEndpoint, options?: NodeHandlerOptions): Promise<Served>;
}

export const nodeFace: Face = {
  name: 'node',
  async serve(endpoint, options = {}) {
    const listener = await serveHttp(endpoint, { port: 0, ...options });
    return { url: listener.url, transport: listener.handler.transport, close: () => listener.close() };
  },
};

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: 'half',
    signal,
  } as RequestInit);
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, [...response.headers].flat());
  res.flushHeaders();
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) break;
    res.write(value);
  }
  res.end();
}

export const fetchFace: Face = {
  name: 'fetch',
  async serve(endpoint, options = {}) {
    const handle: FetchHandler = createFetchHandler(endpoint, options);
    const path = options.path ?? '/mcp';
    const server = createServer((req, res) => {
      if ((req.url ?? '/').split('?')[0] !== path) {
        res.writeHead(404).end();
        return;
      }
      const controller = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      handle(toRequest(req, controller.signal), { remoteAddress: req.socket.remoteAddress })
        .then((response) => writeResponse(response, res))
        .catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}${path}`,
      transport: handle.transport,
      close: () =>
        new Promise<void>((resolve) => {
          handle.transport.close();
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  },
};

export const FACES: readonly Face[] = [nodeFace, fetchFace];
