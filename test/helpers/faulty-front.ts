/**
 * A real HTTP front (as a load balancer would be) in front of an MCP endpoint, that can
 * refuse, drop or cut chosen requests: for client tests of retries and stream resumption.
 * Everything else is forwarded byte for byte, streams included.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What to do with one request: forward it (to another server than the target when `to` is
 * given, as a load balancer does once an instance died); answer 503 (or `status`) without forwarding;
 * forward it, then drop the connection before any answer; or forward it and cut the answer
 * after its first `afterChunks` chunks.
 */
export type Fault = { kind: 'pass'; to?: string } | { kind: 'refuse'; status?: number } | { kind: 'drop' } | { kind: 'cut'; afterChunks: number };

export interface SeenRequest {
  method: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The JSON-RPC method of a POST body, if it has one. */
  rpcMethod: string | undefined;
  at: number;
  /** The status and `Retry-After` of the answer forwarded, once it came. */
  answer?: { status: number; retryAfter: string | undefined; at: number };
}

export interface FaultyFront {
  url: string;
  /** Every request that arrived, in order. */
  seen: SeenRequest[];
  /** Chooses the fault of each request (the default forwards everything). */
  decide: (request: SeenRequest) => Fault;
  /** Resolves when a response has been cut. */
  cut: Promise<number>;
  close(): Promise<void>;
}

export async function startFaultyFront(target: string): Promise<FaultyFront> {
  const targetUrl = new URL(target);
  let cutDone!: (at: number) => void;
  const front: FaultyFront = {
    url: '',
    seen: [],
    decide: () => ({ kind: 'pass' }),
    cut: new Promise((resolve) => (cutDone = resolve)),
    close: async () => undefined,
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let rpcMethod: string | undefined;
    try {
      const parsed = JSON.parse(body) as { method?: unknown };
      if (typeof parsed.method === 'string') rpcMethod = parsed.method;
    } catch {
      rpcMethod = undefined;
    }
    const seen: SeenRequest = { method: req.method ?? 'GET', headers: req.headers, body, rpcMethod, at: Date.now(), answer: undefined };
    front.seen.push(seen);
    const fault = front.decide(seen);
    if (fault.kind === 'refuse') {
      res.writeHead(fault.status ?? 503, { 'content-type': 'text/plain', 'retry-after': '0' }).end('busy');
      return;
    }
    const to = fault.kind === 'pass' && fault.to !== undefined ? new URL(fault.to) : targetUrl;
    const upstream = httpRequest(new URL(req.url ?? '/', to), { method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
      if (fault.kind === 'drop') {
        answer.destroy();
        res.socket?.destroy();
        return;
      }
      const retryAfter = answer.headers['retry-after'];
      seen.answer = { status: answer.statusCode ?? 502, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, at: Date.now() };
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      let count = 0;
      answer.on('data', (chunk: Buffer) => {
        if (fault.kind !== 'cut' || ++count < fault.afterChunks) {
          res.write(chunk);
          return;
        }
        answer.destroy();
        // Cut once what was written reached the connection: the response corks its socket
        // until the next tick, and chunks that came in one read would be lost with it.
        res.write(chunk, () => {
          res.socket?.destroy();
          cutDone(Date.now());
        });
      });
      answer.on('end', () => res.end());
      answer.on('error', () => res.socket?.destroy());
    });
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${targetUrl.pathname}`;
  front.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return front;
}
