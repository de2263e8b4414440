/** A raw WebSocket peer for tests: frames in and out, awaited as events, no MCP client in between. */
import { WebSocket, type ClientOptions } from 'ws';

export interface RawPeer {
  socket: WebSocket;
  /** The next JSON message the server sends (in order). */
  next(): Promise<any>;
  /** Resolves with the close code and reason once the connection has closed. */
  closed: Promise<{ code: number; reason: string }>;
  send(value: unknown): void;
}

/** Opens a socket with subprotocol `mcp` (unless `protocols` says otherwise) and waits until it is open. */
export async function openRaw(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<RawPeer> {
  const { protocols = ['mcp'], ...rest } = options;
  const socket = new WebSocket(url, protocols, rest);
  const inbox: any[] = [];
  const waiting: Array<(value: any) => void> = [];
  socket.on('message', (data) => {
    const value = JSON.parse(String(data));
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(value);
    else inbox.push(value);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  socket.on('error', () => {});
  return {
    socket,
    closed,
    next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiting.push(resolve))),
    send: (value) => socket.send(JSON.stringify(value)),
  };
}

export interface UpgradeAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Tries an upgrade that the server should refuse; resolves with its HTTP answer. */
export function refusedUpgrade(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<UpgradeAnswer> {
  const { protocols = ['mcp'], ...rest } = options;
  const socket = new WebSocket(url, protocols, rest);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
  });
}

export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
};

/** A modern tools/call request. */
export function modernCall(id: number, name: string, args: Record<string, unknown>): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: MODERN_META } };
}
