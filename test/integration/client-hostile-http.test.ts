/**
 * What a hostile or broken HTTP server can do to the client (and so to a gateway in front of
 * it): every call ends within its bounds with a clear error, and the server cannot make the
 * client hold connections or memory past its limits. The peer is a raw node:http server on
 * 127.0.0.1 (test/helpers/hostile-http.ts) that answers each test's way.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import type { Progress } from '../../src/client/requests.ts';
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { MAX_ANSWER_RESENDS, MAX_UNANSWERED_POSTS, StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { HostileServer, json } from '../helpers/hostile-http.ts';

const FOREVER = 10 * 60_000;

function isLocal(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof McpLocalError, `expected ${code}, got ${(error as Error)?.stack}`);
    assert.equal(error.code, code, error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

function event(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/** Writes `chunk` again and again while the client reads, up to `bytes` in all, then ends. */
function pump(res: ServerResponse, chunk: string, bytes: number): void {
  let written = 0;
  const more = () => {
    while (!res.destroyed && written < bytes) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
}

describe('HTTP client against a hostile server', () => {
  let server: HostileServer;
  before(async () => {
    server = await new HostileServer().start();
  });
  after(() => server.close());

  async function connected(options: ConstructorParameters<typeof McpClient>[0] = { name: 'hostile', version: '1.0.0' }, maxMessageBytes?: number): Promise<McpClient> {
    const client = new McpClient({ requestTimeoutMs: FOREVER, ...options });
    await client.connect(new StreamableHttpClientTransport(server.url, maxMessageBytes === undefined ? {} : { maxMessageBytes }));
    return client;
  }

  it('regression: a response stream the server keeps open after the response is let go', { timeout: 30_000 }, async () => {
    const hungUp: Array<Promise<void>> = [];
    server.handler = (message, res) => {
      hungUp.push(new Promise((resolve) => res.once('close', resolve)));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(event({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'hi' }] } }));
      // ...and never ends it.
    };
    const client = await connected();
    try {
      for (let call = 0; call < 3; call++) assert.equal((await client.callTool('echo')).content[0].type, 'text');
      // Each stream's connection is closed by the client, not held for as long as the server likes.
      await Promise.all(hungUp);
    } finally {
      await client.close();
    }
  });

  it('regression: a 205 answer whose body never ends fails its call, and its connection is closed (no Response of that status has a body to cancel: it stayed open, read for good, after the client closed)', { timeout: 30_000 }, async () => {
    const hungUp: Array<Promise<void>> = [];
    server.handler = (_message, res) => {
      hungUp.push(new Promise((resolve) => res.once('close', resolve)));
      res.writeHead(205, { 'content-type': 'application/json', 'content-length': '999999999' });
      res.write('{"jsonrpc":"2.0",');
    };
    const client = await connected();
    try {
      await assert.rejects(client.callTool('echo'), (error: Error) => error instanceof McpLocalError);
      await Promise.all(hungUp);
    } finally {
      await client.close();
    }
  });

  for (const [what, chunk] of [
    ['empty data lines', 'data:\n'],
    ['one-character data lines', 'data:x\n'],
    ['a data line without end', 'x'.repeat(16 * 1024)],
  ] as const) {
    it(`regression: an SSE event of endless ${what} fails its request at maxMessageBytes`, { timeout: 30_000 }, async () => {
      let hungUp!: Promise<void>;
      server.handler = (_message, res) => {
        hungUp = new Promise((resolve) => res.once('close', resolve));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (!chunk.startsWith('data')) res.write('data: ');
        pump(res, chunk.repeat(Math.ceil(16_384 / chunk.length)), 16 * 1024 * 1024);
      };
      const client = await connected(undefined, 64 * 1024);
      try {
        await assert.rejects(client.callTool('echo'), isLocal(LocalErrorCode.MessageTooLarge, /exceeds the limit of 65536 bytes/));
        await hungUp;
      } finally {
        await client.close();
      }
    });
  }

  for (const [what, answer] of [
    ['only comments, without end', (_id: unknown) => ': keep-alive\n\n'.repeat(1000)],
    ['its answer a byte at a time', (id: unknown) => `: ${'.'.repeat(200)}\n${event({ jsonrpc: '2.0', id, result: { content: [] } })}`],
  ] as const) {
    it(`a response stream that sends ${what} fails at the request's timeout: bytes do not restart it`, { timeout: 30_000 }, async () => {
      let hungUp!: Promise<void>;
      server.handler = (message, res) => {
        hungUp = new Promise((resolve) => res.once('close', resolve));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const text = answer(message.id);
        let at = 0;
        // A byte every 20 ms: about 5 s before the answer is whole, ten times the timeout.
        const timer = setInterval(() => (at < text.length ? res.write(text[at++]) : res.end()), 20);
        res.once('close', () => clearInterval(timer));
      };
      const client = await connected({ name: 'hostile', version: '1.0.0', requestTimeoutMs: 500 });
      try {
        await assert.rejects(client.callTool('echo'), isLocal(LocalErrorCode.Timeout, /timed out after 500 ms/));
        // ...and its connection is let go.
        await hungUp;
      } finally {
        await client.close();
      }
    });
  }

  it('takes a batch in an SSE event (2025-03-26: what a server sends on a stream may be batched): its progress and answer are read; a batch inside it is refused, the rest read', { timeout: 30_000 }, async () => {
    server.handler = (message, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const token = (message.params as { _meta?: { progressToken?: unknown } })._meta?.progressToken;
      res.end(
        `event: message\ndata: ${JSON.stringify([
          { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } },
          [{ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 9 } }],
          { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 2, total: 2 } },
          { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'batched' }] } },
        ])}\n\n`,
      );
    };
    const client = await connected();
    try {
      const progress: number[] = [];
      const result = await client.callTool('echo', {}, { onProgress: ({ progress: step }) => progress.push(step) });
      assert.equal((result.content[0] as { text: string }).text, 'batched');
      assert.deepEqual(progress, [1, 2]);
    } finally {
      await client.close();
    }
  });

  it('a request redirected in a loop fails naming the redirect, after at most 5 are followed', { timeout: 30_000 }, async () => {
    let posts = 0;
    server.handler = (_message, res) => {
      posts++;
      res.writeHead(307, { location: server.url }).end();
    };
    const client = await connected();
    try {
      await assert.rejects(
        client.callTool('echo'),
        isLocal(LocalErrorCode.ProtocolViolation, /^The server answered tools\/call with a redirect that was not followed \(HTTP 307 to "http:\/\/127\.0\.0\.1:\d+\/mcp"\): at most 5 are followed in a row/),
      );
      assert.equal(posts, 6);
    } finally {
      await client.close();
    }
  });

  it('regression: progress whose fields have the wrong types is not reported as progress', { timeout: 30_000 }, async () => {
    server.handler = (message, res) => {
      const progressToken = (message.params?._meta as Record<string, unknown> | undefined)?.progressToken;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const params of [
        { progressToken, progress: '50%' },
        { progressToken, progress: { toString: 1 } },
        { progressToken },
        { progressToken, progress: 1, total: 'all' },
        { progressToken, progress: 1, message: ['half'] },
        { progressToken, progress: 2, total: 4, message: 'half' },
      ]) {
        res.write(event({ jsonrpc: '2.0', method: 'notifications/progress', params }));
      }
      res.end(event({ jsonrpc: '2.0', id: message.id, result: { content: [] } }));
    };
    const client = await connected();
    const progress: Progress[] = [];
    const others: JsonRpcNotification[] = [];
    try {
      await client.callTool('steps', {}, { onProgress: (step) => progress.push(step), onNotification: (notification) => others.push(notification) });
      assert.deepEqual(progress, [{ progress: 2, total: 4, message: 'half' }]);
      // Nothing is lost: the malformed ones reach the request's notification handler as they came.
      assert.equal(others.length, 5);
      assert.ok(others.every((notification) => notification.method === 'notifications/progress'));
    } finally {
      await client.close();
    }
  });

  it('regression: tools/list with malformed tools lists the others instead of failing', { timeout: 30_000 }, async () => {
    const badHeader = { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'not a token' } } };
    const good = { name: 'ok', inputSchema: { type: 'object' } };
    server.handler = (message, res) => json(res, { jsonrpc: '2.0', id: message.id, result: { tools: [null, 5, { name: { toString: 1 }, inputSchema: badHeader }, good], ttlMs: 0 } });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const client = await connected();
    try {
      const tools = await client.listTools();
      // Malformed entries pass as they came (a gateway drops those without a name); the one whose
      // x-mcp-header breaks the spec's rules is left out, as the spec requires of HTTP clients.
      assert.deepEqual(tools, [null, 5, good]);
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.ok(warnings.some((message) => message.startsWith('Ignoring tool "an object": "x-mcp-header')), warnings.join('; '));
    } finally {
      process.off('warning', onWarning);
      await client.close();
    }
  });

  it('regression: an InputRequiredResult with malformed inputRequests fails its request with MCP_ERR_PROTOCOL', { timeout: 30_000 }, async () => {
    let inputRequests: unknown;
    let asked = 0;
    server.handler = (message, res) => json(res, { jsonrpc: '2.0', id: message.id, result: { resultType: 'input_required', inputRequests } });
    const client = await connected({ name: 'hostile', version: '1.0.0', onElicit: () => (asked++, { action: 'decline' }) });
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`q${i}`, { method: 'elicitation/create', params: { message: 'Name?', requestedSchema: { type: 'object', properties: {} } } }]));
    try {
      for (const value of ['x'.repeat(100_000), 'abc', 5, [{ method: 'elicitation/create' }], { a: null }, { a: 5 }, { a: { method: { toString: 1 } } }, { a: { method: 'elicitation/create', params: 'x' } }, many]) {
        inputRequests = value;
        await assert.rejects(client.callTool('ask'), isLocal(LocalErrorCode.ProtocolViolation, /inputRequests/), JSON.stringify(value).slice(0, 80));
      }
      assert.equal(asked, 0, 'no question of a malformed set was put to the handler');
    } finally {
      await client.close();
    }
  });
  it('regression: an InputRequiredResult whose requestState is not a string (nested 10,000 levels deep) fails its request with MCP_ERR_PROTOCOL, no question asked (sent back, it overflowed the stack: a bare RangeError)', { timeout: 30_000 }, async () => {
    /** The requestState's JSON text: too deep for JSON.stringify to write. */
    let requestState: string;
    let asked = 0;
    server.handler = (message, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":{"resultType":"input_required","inputRequests":{"a":{"method":"roots/list"}},"requestState":${requestState}}}`);
    const client = await connected({ name: 'hostile', version: '1.0.0', onListRoots: () => (asked++, { roots: [] }) });
    try {
      for (const text of [`${'['.repeat(10_000)}"x"${']'.repeat(10_000)}`, '5', '{"state":"x"}']) {
        requestState = text;
        await assert.rejects(client.callTool('ask'), isLocal(LocalErrorCode.ProtocolViolation, /^The requestState the server sent in answer to tools\/call is .*, not a string$/), text.slice(0, 80));
      }
      assert.equal(asked, 0, 'no question of such a result was put to the handler');
    } finally {
      await client.close();
    }
  });
});

/** A GET answered with an SSE stream of `count` pings (kept open); other methods with 202. */
function pingsOnTheGetStream(count: number): HostileServer['other'] {
  return (req, res) => {
    if (req.method !== 'GET') return void res.writeHead(202).end();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let ping = 1; ping <= count; ping++) res.write(event({ jsonrpc: '2.0', id: `ping-${ping}`, method: 'ping' }));
  };
}

describe('HTTP client against a hostile legacy server', () => {
  let server: HostileServer;
  before(async () => {
    server = await new HostileServer().start();
    server.sessionId = 'session-1';
  });
  after(() => server.close());

  it('regression: streams opened in answer to the client\'s responses are let go', { timeout: 30_000 }, async () => {
    const PINGS = 3;
    const hungUp: Array<Promise<void>> = [];
    let answered!: () => void;
    const allAnswered = new Promise<void>((resolve) => (answered = resolve));
    server.other = pingsOnTheGetStream(PINGS);
    server.handler = (message, res) => {
      assert.deepEqual(message.result, {}, 'the client answers each ping');
      hungUp.push(new Promise((resolve) => res.once('close', resolve)));
      if (hungUp.length === PINGS) answered();
      // A stream where 202 belongs, kept open.
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': nothing to say\n\n');
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      await allAnswered;
      await Promise.all(hungUp);
    } finally {
      await client.close();
    }
  });

  it('regression: a server that answers none of the client\'s responses cannot make it hold a connection for each', { timeout: 30_000 }, async () => {
    const PINGS = 8 * MAX_UNANSWERED_POSTS;
    const held: ServerResponse[] = [];
    let heldAtCall = -1;
    let answering = false;
    const responses = new Set<unknown>();
    let manyHeld!: () => void;
    const limitReached = new Promise<void>((resolve) => (manyHeld = resolve));
    let allAnswered!: () => void;
    const done = new Promise<void>((resolve) => (allAnswered = resolve));
    server.other = pingsOnTheGetStream(PINGS);
    server.handler = (message, res) => {
      if (message.method === 'tools/call') {
        heldAtCall = held.length;
        return json(res, { jsonrpc: '2.0', id: message.id, result: { content: [] } });
      }
      responses.add(message.id);
      if (responses.size === PINGS) allAnswered();
      if (answering) return void res.writeHead(202).end();
      held.push(res);
      if (held.length === MAX_UNANSWERED_POSTS) manyHeld();
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      await limitReached;
      // A request is no response: it goes at once, and finds no more responses posted than the limit.
      await client.callTool('barrier');
      assert.equal(heldAtCall, MAX_UNANSWERED_POSTS);
      // Once the server answers, the responses that waited are posted: none is lost.
      answering = true;
      for (const res of held) res.writeHead(202).end();
      await done;
    } finally {
      await client.close();
    }
  });

  it('regression: an answer to the server\'s request refused with 503, or cut off, is posted again (it was dropped, and the server waited for it until its timeout)', { timeout: 30_000 }, async () => {
    const posts: Array<number | string | undefined> = [];
    let accepted!: () => void;
    const answered = new Promise<void>((resolve) => (accepted = resolve));
    server.other = pingsOnTheGetStream(1);
    server.handler = (message, res) => {
      posts.push(message.id);
      // The first post is refused, the second cut off, the third taken.
      if (posts.length === 1) return void res.writeHead(503, { 'retry-after': '1' }).end();
      if (posts.length === 2) return void res.socket?.destroy();
      res.writeHead(202).end();
      accepted();
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      await answered;
      assert.deepEqual(posts, ['ping-1', 'ping-1', 'ping-1']);
    } finally {
      await client.close();
    }
  });

  it('an answer the server keeps refusing is posted again at most MAX_ANSWER_RESENDS times', { timeout: 30_000 }, async () => {
    const posts: Array<number | string | undefined> = [];
    let last!: () => void;
    const allRefused = new Promise<void>((resolve) => (last = resolve));
    server.other = pingsOnTheGetStream(1);
    server.handler = (message, res) => {
      if (message.method === 'tools/call') return json(res, { jsonrpc: '2.0', id: message.id, result: { content: [] } });
      posts.push(message.id);
      if (posts.length === 1 + MAX_ANSWER_RESENDS) last();
      res.writeHead(503).end();
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      await allRefused;
      // Past the last resend's longest delay (2 s), nothing more came.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await client.callTool('barrier');
      assert.equal(posts.length, 1 + MAX_ANSWER_RESENDS);
    } finally {
      await client.close();
    }
  });

  it('regression: a GET stream that ends at once with `retry: 0` is not reopened in a tight loop, and less and less often while it keeps ending with nothing', { timeout: 30_000 }, async () => {
    const opened: number[] = [];
    let fifthOpened!: () => void;
    const five = new Promise<void>((resolve) => (fifthOpened = resolve));
    server.other = (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      opened.push(performance.now());
      if (opened.length === 5) fifthOpened();
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end('retry: 0\n\n');
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      await five;
      // Waits can only run long on a busy machine. It was reopened every 250 ms (the floor) for
      // as long as the session lasted; now each wait doubles.
      for (let i = 1; i < 5; i++) {
        const waited = opened[i] - opened[i - 1];
        assert.ok(waited >= 250 * 2 ** (i - 1) - 10, `reopened the ${i + 1}th time after ${Math.round(waited)} ms`);
      }
    } finally {
      await client.close();
    }
  });

  it('regression: a GET stream whose event id no header can carry is reopened (every later GET failed before it was sent, and the session heard nothing more)', { timeout: 30_000 }, async () => {
    const lastEventIds: unknown[] = [];
    let reopened!: () => void;
    const again = new Promise<void>((resolve) => (reopened = resolve));
    server.other = (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      lastEventIds.push(req.headers['last-event-id']);
      if (lastEventIds.length === 2) reopened();
      // An id with a control character, then the stream ends: the client opens it again.
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`id: a\u0001b\nretry: 10\n${event({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}`);
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      await again;
      assert.deepEqual(lastEventIds, [undefined, undefined]);
    } finally {
      await client.close();
    }
  });

  it('regression: a GET stream refused with 503 is asked for again, not given up for the rest of the session', { timeout: 30_000 }, async () => {
    let gets = 0;
    server.other = (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      // A proxy in front of a server busy for a while; then the stream, with a list change.
      if (++gets <= 2) return void res.writeHead(503, { 'retry-after': '1' }).end('busy');
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(event({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
    };
    const { client, changed } = listChangeListener();
    await client.connect(new StreamableHttpClientTransport(server.url));
    try {
      // It gave up at the first refusal, and heard nothing of the server for the rest of the session.
      await changed;
      assert.equal(gets, 3);
    } finally {
      await client.close();
    }
  });

  it('regression: a GET stream whose Last-Event-ID the server cannot resume from (400) is opened anew without it, not given up for the rest of the session', { timeout: 30_000 }, async () => {
    const lastEventIds: unknown[] = [];
    server.other = (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      const lastEventId = req.headers['last-event-id'];
      lastEventIds.push(lastEventId);
      // The first stream gives an id and ends; the server no longer has it when the client is back.
      if (lastEventIds.length === 1) return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end('id: g1\nretry: 10\ndata: \n\n');
      if (lastEventId !== undefined) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: unknown Last-Event-ID' } }));
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write(event({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
    };
    const { client, changed } = listChangeListener();
    const transport = new StreamableHttpClientTransport(server.url);
    await client.connect(transport);
    const sessionId = transport.sessionId;
    try {
      // It gave up at the refusal, and heard nothing of the server for the rest of the session.
      await changed;
      assert.deepEqual(lastEventIds, [undefined, 'g1', undefined]);
      assert.equal(transport.sessionId, sessionId, 'the session is kept');
    } finally {
      await client.close();
    }
  });

  it('regression: an event cut off when the connection broke does not garble its replay', { timeout: 30_000 }, async () => {
    let answer = '';
    server.handler = (message, res) => {
      answer = `id: e2\n${event({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'replayed' }] } })}`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: e1\nretry: 10\ndata: \n\n');
      // Half of the response, and the connection breaks.
      res.write(answer.slice(0, 40), () => res.socket!.destroy());
    };
    const resumedAfter: unknown[] = [];
    server.other = (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      resumedAfter.push(req.headers['last-event-id']);
      if (req.headers['last-event-id'] !== 'e1') return void res.writeHead(400).end();
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(answer);
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url, { listen: false }));
    try {
      const result = await client.callTool('cut');
      assert.deepEqual(result.content, [{ type: 'text', text: 'replayed' }]);
      assert.deepEqual(resumedAfter, ['e1'], 'the cut event was not taken as delivered');
    } finally {
      await client.close();
    }
  });

  it('a resumption refused with 503 is asked again after its Retry-After, maxResumes times at most; then the call fails, its session kept', { timeout: 30_000 }, async () => {
    server.handler = (_message, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: e1\nretry: 10\ndata: \n\n', () => res.socket!.destroy());
    };
    const refused: number[] = [];
    server.other = (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      refused.push(performance.now());
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Service Unavailable' } }));
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    const transport = new StreamableHttpClientTransport(server.url, { listen: false, maxResumes: 3 });
    await client.connect(transport);
    const sessionId = transport.sessionId;
    try {
      await assert.rejects(client.callTool('refused'), isLocal(LocalErrorCode.ConnectionClosed, /resuming was refused \(HTTP 503\), 3 times$/));
      assert.equal(refused.length, 3);
      for (let i = 1; i < refused.length; i++) assert.ok(refused[i] - refused[i - 1] >= 990, `asked again ${refused[i] - refused[i - 1]} ms after a Retry-After of 1 s`);
      assert.equal(transport.sessionId, sessionId, 'a refusal for now is no session loss');
    } finally {
      await client.close();
    }
  });

  it('regression: close() does not wait for ever on a DELETE the server never answers', { timeout: 30_000 }, async () => {
    let deleted!: () => void;
    const deleteSent = new Promise<void>((resolve) => (deleted = resolve));
    server.other = (req) => {
      if (req.method === 'DELETE') deleted();
      // No answer, to the GET or the DELETE.
    };
    const client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(new StreamableHttpClientTransport(server.url, { listen: false }));
    await client.close();
    await deleteSent;
  });
});

/** A legacy-era client, and what settles when it hears of a tool list change (sent on its GET stream). */
function listChangeListener(): { client: McpClient; changed: Promise<void> } {
  let heard!: () => void;
  const changed = new Promise<void>((resolve) => (heard = resolve));
  const client = new McpClient({
    name: 'hostile',
    version: '1.0.0',
    era: 'legacy',
    requestTimeoutMs: FOREVER,
    onNotification: (notification) => notification.method === 'notifications/tools/list_changed' && heard(),
  });
  return { client, changed };
}
