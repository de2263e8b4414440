/**
 * Raw HTTP requests from a chosen loopback address (the whole of 127.0.0.0/8 is loopback), so
 * one test can be several clients as a server keying quotas on the peer address sees them.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface FromResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface FromOptions {
  method?: string;
  headers?: Record<string, string>;
  /** The body as given (a string) or as JSON. */
  body?: unknown;
  /** Send the body in pieces without Content-Length (chunked). */
  chunked?: boolean;
  signal?: AbortSignal;
}

/** One request from `localAddress`; resolves once the whole response has arrived. */
export function from(localAddress: string, url: string, options: FromOptions = {}): Promise<FromResponse> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers.accept ??= 'application/json, text/event-stream';
    if (!options.chunked) headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, localAddress, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined && options.chunked) {
      // Two writes, so the server sees a body without a declared length arrive in pieces.
      const half = Math.floor(body.length / 2);
      req.write(body.slice(0, half));
      req.end(body.slice(half));
    } else {
      req.end(body);
    }
  });
}

/** An `initialize` from `localAddress`; resolves with the response (session id in its headers). */
export function initializeFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<FromResponse> {
  return from(localAddress, url, {
    headers,
    body: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'from', version: '1' } } },
  });
}
