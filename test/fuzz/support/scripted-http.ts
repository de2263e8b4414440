/**
 * A hostile MCP server over HTTP on 127.0.0.1 that plays a generated script: each POST takes
 * the next generated reply (the handshake too, unless the case keeps it proper), each GET the
 * next generated stream; once the script is spent, or the test says so, it answers as a proper
 * server would. It keeps every response it has not finished, so a test can tell whether the
 * client let go of each connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { properAnswer } from './proper-answers.ts';
import { play, type HttpReply } from './http-replies.ts';

export interface HttpScript {
  /** Whether server/discover, initialize and notifications/initialized get proper answers. */
  properHandshake: boolean;
  /** The Mcp-Session-Id a proper initialize answer carries (none: a server without sessions). */
  sessionId: string | undefined;
  posts: HttpReply[];
  gets: HttpReply[];
}

const HANDSHAKE = new Set(['server/discover', 'initialize', 'notifications/initialized']);

export class ScriptedHttpServer {
  readonly #server: Server;
  #script: HttpScript | undefined;
  /** Responses not yet closed (finished, or their connection gone). */
  readonly open = new Set<ServerResponse>();
  #onClosed: (() => void) | undefined;

  constructor() {
    this.#server = createServer((req, res) => this.#serve(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/mcp`;
  }

  /** Plays `script` from now on; undefined: a proper server. */
  use(script: HttpScript | undefined): void {
    this.#script = script === undefined ? undefined : { ...script, posts: [...script.posts], gets: [...script.gets] };
  }

  /** Settles once every response so far has closed. */
  allClosed(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#onClosed = resolve));
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    this.open.add(res);
    res.on('error', () => undefined);
    res.once('close', () => {
      this.open.delete(res);
      if (this.open.size === 0) this.#onClosed?.();
    });
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    if (req.method !== 'POST') {
      const reply = this.#script?.gets.shift();
      return reply === undefined ? void res.writeHead(405).end() : play(reply, res, undefined);
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const message = JSON.parse(body) as { id?: unknown; method?: unknown };
      const script = this.#script;
      const proper = script === undefined || (script.properHandshake && HANDSHAKE.has(message.method as string));
      const reply = proper ? undefined : script.posts.shift();
      if (reply !== undefined) return play(reply, res, message.id);
      const answer = properAnswer(message);
      if (answer === undefined) return void res.writeHead(202).end();
      const session = message.method === 'initialize' && script?.sessionId !== undefined ? { 'mcp-session-id': script.sessionId } : {};
      res.writeHead(200, { 'content-type': 'application/json', ...session }).end(JSON.stringify(answer));
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
