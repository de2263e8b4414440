/**
 * A legacy server that asks its questions on the GET stream, as the conformance suite's
 * elicitation scenarios do: the official TypeScript SDK server (v1) sending `elicitation/create`
 * with `server.request()`, tied to no request, so it goes on the session's GET stream, and is
 * dropped when none is open yet (the SDK keeps no event store unless given one). The GET is
 * held a while before it reaches the SDK, as on a loaded machine, where the call posted right
 * after `connect()` overtook it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ElicitResultSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpClient } from '../../src/client/client.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';

const FOREVER = 10 * 60_000;
/** How long the GET is held before the SDK sees it: the "late" GET stream. */
const GET_HELD_MS = 300;

/** One SDK session per initialize; its `ask` tool asks the client on the GET stream. */
class LateGetServer {
  readonly #http: HttpServer;
  readonly #sessions = new Map<string, StreamableHTTPServerTransport>();
  /** Requests (POSTs with an id) that reached the SDK while their session's GET was held back from it. */
  readonly postedBeforeStream: string[] = [];
  /** How long a GET is held: GET_HELD_MS, or until close() ('never' answered). */
  hold: 'briefly' | 'never' = 'briefly';
  /** Sessions whose GET is held back. */
  readonly #waiting = new Set<string>();
  readonly #held = new Set<() => void>();

  constructor() {
    this.#http = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#http.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#http.address() as AddressInfo).port}/mcp`;
  }

  async close(): Promise<void> {
    for (const release of this.#held) release();
    for (const transport of this.#sessions.values()) await transport.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (req.method === 'GET') {
      // Held back from the SDK: the stream is not open until it sees the GET.
      this.#waiting.add(sessionId as string);
      if (this.hold === 'briefly') await new Promise((resolve) => setTimeout(resolve, GET_HELD_MS));
      else {
        await new Promise<void>((resolve) => this.#held.add(resolve));
        return void res.writeHead(503).end();
      }
      this.#waiting.delete(sessionId as string);
      return this.#sessions.get(sessionId as string)!.handleRequest(req, res);
    }
    if (req.method !== 'POST') return this.#sessions.get(sessionId as string)!.handleRequest(req, res);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method?: string };
    if (this.#waiting.has(sessionId as string) && body.id !== undefined && typeof body.method === 'string') this.postedBeforeStream.push(body.method);
    if (typeof sessionId === 'string') return this.#sessions.get(sessionId)!.handleRequest(req, res, body);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void this.#sessions.set(id, transport),
    });
    await this.#sdkServer().connect(transport);
    await transport.handleRequest(req, res, body);
  }

  #sdkServer(): Server {
    const server = new Server({ name: 'late-get', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: 'ask', inputSchema: { type: 'object' } }] }));
    server.setRequestHandler(CallToolRequestSchema, async () => {
      const requestedSchema = { type: 'object' as const, properties: { name: { type: 'string' as const, default: 'Ada' } } };
      try {
        // As the suite asks: server.request(), tied to no request, so on the GET stream. Lost,
        // it would wait the SDK's 60 s; a question answered at once is not near this.
        const answer = await server.request({ method: 'elicitation/create', params: { message: 'Your name?', requestedSchema } }, ElicitResultSchema, { timeout: 30_000 });
        return { content: [{ type: 'text', text: `${answer.action}: ${JSON.stringify(answer.content)}` }] };
      } catch (error) {
        return { content: [{ type: 'text', text: `lost: ${(error as Error).message}` }], isError: true };
      }
    });
    return server;
  }
}

describe('HTTP client: the GET stream of a new legacy session', () => {
  let server: LateGetServer;
  before(async () => {
    server = await new LateGetServer().start();
  });
  after(() => server.close());

  it('regression: a question a server asks on the GET stream during the first call is not lost (the call was posted before the GET stream was open)', { timeout: 120_000 }, async () => {
    const client = new McpClient({
      name: 'late-get',
      version: '1.0.0',
      era: 'legacy',
      requestTimeoutMs: FOREVER,
      onElicit: () => ({ action: 'accept', content: { name: 'Ada' } }),
    });
    // No bound: the requests wait for the GET's answer however long the machine takes.
    await client.connect(new StreamableHttpClientTransport(server.url, { listenWaitMs: FOREVER }));
    try {
      const result = await client.callTool('ask');
      assert.deepEqual(result.content, [{ type: 'text', text: 'accept: {"name":"Ada"}' }]);
      assert.deepEqual(server.postedBeforeStream, [], 'no request reached the server before its GET stream was open');
    } finally {
      await client.close();
    }
  });

  it('a GET the server never answers holds the first requests for listenWaitMs (2 s) at most', { timeout: 120_000 }, async () => {
    server.hold = 'never';
    const client = new McpClient({ name: 'late-get', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      assert.deepEqual((await client.listTools()).map((tool) => tool.name), ['ask']);
    } finally {
      await client.close();
    }
  });

  it('with listenWaitMs 0, requests go out however long the GET stream takes', { timeout: 120_000 }, async () => {
    server.hold = 'never';
    const client = new McpClient({ name: 'late-get', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url, { listenWaitMs: 0 }));
    try {
      assert.deepEqual((await client.listTools()).map((tool) => tool.name), ['ask']);
    } finally {
      await client.close();
    }
  });
});
