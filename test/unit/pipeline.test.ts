import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonRpcRequest } from '../../src/protocol/jsonrpc.ts';
import { ErrorCode, McpError } from '../../src/protocol/wire-errors.ts';
import { LegacySession } from '../../src/store/legacy-session.ts';
import { McpServer, type Interceptor } from '../../src/server/server.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { MODERN_META, callTool } from '../helpers/http.ts';
import { TestExchange, modern } from '../helpers/exchange.ts';

const TEXT_ARG = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } as const;

function newServer(options: Partial<ConstructorParameters<typeof McpServer>[0]> = {}): McpServer {
  const server = new McpServer({ name: 'pipeline', version: '1.0.0', ...options });
  server.tool('echo', { inputSchema: TEXT_ARG }, ({ text }) => text);
  return server;
}

function request(method: string, params: Record<string, unknown> = {}, id = 1): JsonRpcRequest {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: MODERN_META } };
}

/** An interceptor that records when it is entered and left. */
function tracer(name: string, log: string[]): Interceptor {
  return (next, method) => (req, exchange) => {
    log.push(`${name}>${method}`);
    const out = next(req, exchange);
    if (out instanceof Promise) {
      return out.then((response) => {
        log.push(`${name}<`);
        return response;
      });
    }
    log.push(`${name}<`);
    return out;
  };
}

describe('dispatch pipeline', () => {
  it('keeps the direct synchronous path when no interceptor applies', () => {
    const server = newServer();
    const out = server.dispatch(request('tools/call', { name: 'echo', arguments: { text: 'hi' } }), new TestExchange());
    assert.equal(out instanceof Promise, false);
    assert.deepEqual((out as any).result.content, [{ type: 'text', text: 'hi' }]);
    // An interceptor on another method leaves this one direct too.
    server.use(() => () => {
      throw new Error('must not run');
    }, { methods: ['prompts/list'] });
    const again = server.dispatch(request('tools/call', { name: 'echo', arguments: { text: 'hi' } }), new TestExchange());
    assert.equal(again instanceof Promise, false);
  });

  it('stays synchronous through synchronous interceptors', () => {
    const log: string[] = [];
    const server = newServer().use(tracer('a', log));
    const out = server.dispatch(request('tools/call', { name: 'echo', arguments: { text: 'hi' } }), new TestExchange());
    assert.equal(out instanceof Promise, false);
    assert.deepEqual(log, ['a>tools/call', 'a<']);
  });

  it('runs interceptors in the order they were added, the first one outermost', async () => {
    const log: string[] = [];
    const server = newServer();
    server.use(tracer('a', log)).use(tracer('b', log));
    server.use((next) => async (req, exchange) => {
      log.push('c>');
      await new Promise((resolve) => setImmediate(resolve));
      const response = await next(req, exchange);
      log.push('c<');
      return response;
    });
    const { response } = await modern(server, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
    assert.deepEqual(response.result.content, [{ type: 'text', text: 'x' }]);
    assert.deepEqual(log, ['a>tools/call', 'b>tools/call', 'c>', 'c<', 'b<', 'a<']);
  });

  it('applies method filters, and composes each method once, not per request', async () => {
    const seen: string[] = [];
    let composed = 0;
    const server = newServer();
    server.use((next, method) => {
      composed++;
      return (req, exchange) => {
        seen.push(`${method}:${req.method}`);
        return next(req, exchange);
      };
    }, { methods: ['tools/call', 'prompts/list'] });
    const before = composed;
    assert.equal(before, 2);
    for (let i = 0; i < 5; i++) await modern(server, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
    await modern(server, 'tools/list');
    await modern(server, 'prompts/list');
    assert.equal(composed, before);
    assert.deepEqual(seen, [...Array(5).fill('tools/call:tools/call'), 'prompts/list:prompts/list']);
  });

  it('short-circuits with a result, or with an error thrown or rejected', async () => {
    const server = newServer();
    server.use((next) => (req, exchange) => {
      const name = (req.params as { name?: unknown }).name;
      if (name === 'cached') return { jsonrpc: '2.0', id: req.id, result: { content: [{ type: 'text', text: 'from cache' }] } };
      if (name === 'forbidden') throw new McpError(-32001, 'Forbidden tool', { tool: name });
      if (name === 'later') return Promise.reject(new McpError(ErrorCode.InvalidParams, 'Not now'));
      return next(req, exchange);
    }, { methods: ['tools/call'] });
    assert.deepEqual((await modern(server, 'tools/call', { name: 'cached' })).response.result.content, [{ type: 'text', text: 'from cache' }]);
    assert.deepEqual((await modern(server, 'tools/call', { name: 'forbidden' })).response.error, { code: -32001, message: 'Forbidden tool', data: { tool: 'forbidden' } });
    assert.deepEqual((await modern(server, 'tools/call', { name: 'later' })).response.error, { code: ErrorCode.InvalidParams, message: 'Not now' });
    assert.deepEqual((await modern(server, 'tools/call', { name: 'echo', arguments: { text: 'y' } })).response.result.content, [{ type: 'text', text: 'y' }]);
  });

  it('answers unexpected interceptor errors as -32603 without their details', async () => {
    const errors: Array<{ error: unknown; method: string }> = [];
    const server = newServer({ onError: (error, context) => errors.push({ error, method: context.method }) });
    let async = false;
    server.use(() => (req) => {
      if (async) return Promise.reject(new TypeError('secret detail (async)'));
      throw new TypeError('secret detail');
    });
    const sync = (await modern(server, 'tools/list')).response;
    assert.deepEqual(sync, { jsonrpc: '2.0', id: sync.id, error: { code: ErrorCode.InternalError, message: 'Internal error' } });
    async = true;
    const rejected = (await modern(server, 'tools/list')).response;
    assert.deepEqual(rejected.error, { code: ErrorCode.InternalError, message: 'Internal error' });
    assert.equal(JSON.stringify([sync, rejected]).includes('secret'), false);
    assert.deepEqual(errors.map((e) => [(e.error as Error).message, e.method]), [['secret detail', 'tools/list'], ['secret detail (async)', 'tools/list']]);
  });

  it('lets an interceptor replace the response', async () => {
    const server = newServer();
    server.use((next) => async (req, exchange) => {
      const response = await next(req, exchange);
      if (response !== undefined && 'result' in response) response.result._meta = { ...(response.result._meta as object), 'example.com/seen': true };
      return response;
    });
    const { response } = await modern(server, 'tools/list');
    assert.equal(response.result._meta['example.com/seen'], true);
    assert.ok(response.result._meta['io.modelcontextprotocol/serverInfo']);
  });

  it('composes methods added after use(), and methods named before they exist', async () => {
    const seen: string[] = [];
    const server = newServer();
    server.use((next, method) => (req, exchange) => {
      seen.push(method);
      return next(req, exchange);
    });
    server.use((next) => (req, exchange) => {
      seen.push(`filtered:${req.method}`);
      return next(req, exchange);
    }, { methods: ['example/later'] });
    // Named by a filter but not served yet: the filtered interceptor sees it, then -32601.
    const missing = (await modern(server, 'example/later')).response;
    assert.equal(missing.error.code, ErrorCode.MethodNotFound);
    assert.deepEqual(seen, ['example/later', 'filtered:example/later']);
    seen.length = 0;
    server.method('example/later', () => ({ ok: true }));
    const served = (await modern(server, 'example/later')).response;
    assert.equal(served.result.ok, true);
    assert.deepEqual(seen, ['example/later', 'filtered:example/later']);
  });

  it('passes methods the server does not know through unfiltered interceptors as "*"', async () => {
    const seen: string[] = [];
    const server = newServer();
    server.use((next, method) => (req, exchange) => {
      seen.push(`${method}:${req.method}`);
      return next(req, exchange);
    });
    server.use(() => () => {
      throw new Error('filtered: must not run');
    }, { methods: ['tools/call'] });
    const out = (await modern(server, 'no/such-method')).response;
    assert.equal(out.error.code, ErrorCode.MethodNotFound);
    // A legacy-only method asked in the modern era still goes through its own chain.
    const ping = (await modern(server, 'ping')).response;
    assert.equal(ping.error.code, ErrorCode.MethodNotFound);
    assert.deepEqual(seen, ['*:no/such-method', 'ping:ping']);
  });

  it('shows interceptors the principal and, in the legacy era, the session', async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    const server = newServer();
    server.use((next) => (req, exchange) => {
      seen.push([exchange.auth?.subject, exchange.session?.protocolVersion]);
      return next(req, exchange);
    }, { methods: ['tools/list'] });
    await modern(server, 'tools/list', {}, { auth: { subject: 'alice', scopes: [] } });
    const session = new LegacySession('s1', '2025-06-18');
    session.initialized = true;
    await server.dispatch({ jsonrpc: '2.0', id: 7, method: 'tools/list' }, new TestExchange({ session }));
    const { client, close } = await connectInMemory(server, { era: 'legacy' });
    await client.listTools();
    await close();
    assert.deepEqual(seen, [['alice', undefined], [undefined, '2025-06-18'], [undefined, '2025-11-25']]);
  });

  it('refuses an interceptor that is not a function or returns no dispatch', () => {
    const server = newServer();
    assert.throws(() => server.use(42 as unknown as Interceptor), TypeError);
    assert.throws(() => server.use((() => undefined) as unknown as Interceptor), /must return a dispatch function/);
    // A refused interceptor is not kept.
    assert.equal(server.dispatch(request('tools/list'), new TestExchange()) instanceof Promise, false);
  });

  it('answers an interceptor refusal over real HTTP as a JSON-RPC error', async () => {
    const server = newServer();
    server.use(() => () => {
      throw new McpError(-32001, 'Refused by policy');
    }, { methods: ['tools/call'] });
    const listener = await serveHttp(server, { port: 0 });
    try {
      const refused = await callTool(listener.url, 3, 'echo', { text: 'x' });
      assert.equal(refused.status, 200);
      assert.deepEqual(refused.json, { jsonrpc: '2.0', id: 3, error: { code: -32001, message: 'Refused by policy' } });
    } finally {
      await listener.close();
    }
  });
});
