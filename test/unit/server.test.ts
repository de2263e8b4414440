import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import type { JsonRpcNotification } from '../../src/protocol/jsonrpc.ts';
import { ErrorCode, McpError } from '../../src/protocol/wire-errors.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { modern, TestExchange } from '../helpers/exchange.ts';
import { MODERN_META } from '../helpers/http.ts';
import { Notifications } from '../helpers/notifications.ts';

const TEXT_ARG = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } as const;

function newServer(options: Partial<ConstructorParameters<typeof McpServer>[0]> = {}): McpServer {
  return new McpServer({ name: 'unit', version: '1.0.0', ...options });
}

describe('McpServer', () => {
  it('derives capabilities from what is registered', () => {
    const server = newServer();
    assert.deepEqual({ ...server.capabilities }, { logging: {} });
    server.tool('t', {}, () => 'x');
    assert.deepEqual(server.capabilities.tools, { listChanged: true });
    assert.equal(server.capabilities.prompts, undefined);
    server.tool('task', { taskSupport: 'optional' }, () => 'x');
    assert.deepEqual(server.capabilities.extensions, { 'io.modelcontextprotocol/tasks': {} });
  });

  it('declares tools, prompts, resources and completions given in options before any is registered', () => {
    const server = newServer({ capabilities: { tools: {}, prompts: {}, resources: {}, completions: {} } });
    assert.deepEqual(server.capabilities.tools, { listChanged: true });
    assert.deepEqual(server.capabilities.prompts, { listChanged: true });
    assert.deepEqual(server.capabilities.resources, { subscribe: true, listChanged: true });
    assert.deepEqual(server.capabilities.completions, {});
  });

  it('warns once of a tool name outside the spec\'s characters, quoted so that it cannot forge log lines', async () => {
    const name = 'bad name\n{"level":50,"msg":"forged"}';
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if ((warning as Error & { code?: string }).code === 'MCP_TOOL_NAME') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      // As a gateway does at each change of an upstream's list: the same name registered again.
      for (let round = 0; round < 3; round++) new McpServer({ name: 's', version: '1' }).tool(name, {}, () => 'ok');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].message, `Tool name ${JSON.stringify(name)} should be 1-128 characters of A-Z a-z 0-9 _ - .`);
    assert.ok(!warnings[0].message.includes('\n'));
  });

  it('refuses a duplicate tool and an invalid schema at registration', () => {
    const server = newServer();
    server.tool('t', {}, () => 'x');
    assert.throws(() => server.tool('t', {}, () => 'y'), /already registered/);
    assert.throws(() => server.tool('bad', { inputSchema: { type: 'object', properties: { x: { $ref: 'http://example.com/s' } } } }, () => 'x'), /can't resolve reference/);
    assert.throws(() => server.tool('hdr', { inputSchema: { type: 'object', properties: { n: { type: 'number', 'x-mcp-header': 'N' } } } }, () => 'x'), /x-mcp-header/);
  });

  it('leaves arguments and structuredContent unchecked for a tool registered with validate: false', async () => {
    const server = newServer();
    // This schema would not even compile (an unresolvable reference): validate: false never compiles it.
    const inputSchema = { type: 'object', properties: { x: { $ref: 'http://example.com/s' } }, required: ['x'] } as const;
    const outputSchema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } as const;
    server.tool('forwarded', { inputSchema, outputSchema, validate: false }, () => ({ structuredContent: { n: 'not a number' } }));
    assert.deepEqual(server.core.tools.list()[0].inputSchema, inputSchema);
    const { response } = await modern(server, 'tools/call', { name: 'forwarded', arguments: {} });
    assert.equal(response.result.isError, undefined);
    assert.deepEqual(response.result.structuredContent, { n: 'not a number' });
  });

  it('types handler arguments from the input schema', () => {
    const server = newServer();
    server.tool('typed', { inputSchema: { type: 'object', properties: { n: { type: 'number' }, s: { type: 'string' } }, required: ['n'] } }, ({ n, s }) => {
      const num: number = n;
      const str: string | undefined = s;
      return `${num}${str ?? ''}`;
    });
  });

  it('stamps modern results and leaves legacy results alone', async () => {
    const server = newServer({ cache: { list: { ttlMs: 60_000, cacheScope: 'public' } } });
    server.tool('echo', { inputSchema: TEXT_ARG }, ({ text }) => text);
    const { response } = await modern(server, 'tools/list');
    assert.equal(response.result.resultType, 'complete');
    assert.equal(response.result.ttlMs, 60_000);
    assert.equal(response.result.cacheScope, 'public');
    assert.deepEqual(response.result._meta, { 'io.modelcontextprotocol/serverInfo': { name: 'unit', version: '1.0.0' } });
    const { client, close } = await connectInMemory(server, { era: 'legacy' });
    const legacy = (await client.request('tools/list')) as Record<string, unknown>;
    assert.equal('resultType' in legacy, false);
    assert.equal('ttlMs' in legacy, false);
    await close();
  });

  it('paginates lists with opaque cursors', async () => {
    const server = newServer({ pageSize: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) server.tool(name, {}, () => name);
    const first = (await modern(server, 'tools/list')).response.result;
    assert.deepEqual(first.tools.map((t: { name: string }) => t.name), ['a', 'b']);
    const second = (await modern(server, 'tools/list', { cursor: first.nextCursor })).response.result;
    assert.deepEqual(second.tools.map((t: { name: string }) => t.name), ['c', 'd']);
    const { client, close } = await connectInMemory(server);
    assert.equal((await client.listTools()).length, 5);
    await close();
    const bad = (await modern(server, 'tools/list', { cursor: 'garbage' })).response;
    assert.equal(bad.error.code, ErrorCode.InvalidParams);
  });

  it('turns structured output into text and checks it against outputSchema', async () => {
    const server = newServer();
    server.tool('good', { outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }, () => ({ structuredContent: { n: 1 } }));
    server.tool('bad', { outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }, () => ({ structuredContent: { n: 'one' } }));
    const good = (await modern(server, 'tools/call', { name: 'good' })).response.result;
    assert.deepEqual(good.content, [{ type: 'text', text: '{"n":1}' }]);
    // The tool's own failure, reported as one: an isError result naming the tool.
    const bad = (await modern(server, 'tools/call', { name: 'bad' })).response.result;
    assert.equal(bad.isError, true);
    assert.equal(bad.structuredContent, undefined);
    assert.match(bad.content[0].text, /^Tool bad returned structuredContent that does not match its outputSchema: \/n must be number/);
    server.tool('none', { outputSchema: { type: 'object' } }, () => 'text only');
    const none = (await modern(server, 'tools/call', { name: 'none' })).response.result;
    assert.equal(none.isError, true);
    assert.equal(none.content[0].text, 'Tool none has an outputSchema but returned no structuredContent');
  });

  it('regression: reports what a tool throws as its error, an Error (one without a message as "Tool failed", not an empty text) or any other value', async () => {
    const server = newServer();
    const thrown: unknown[] = [new Error('disk full'), new Error(''), 'a string', { code: 7 }, undefined];
    thrown.forEach((value, i) =>
      server.tool(`t${i}`, {}, () => {
        throw value;
      }),
    );
    const texts = [];
    for (let i = 0; i < thrown.length; i++) {
      const result = (await modern(server, 'tools/call', { name: `t${i}` })).response.result;
      assert.equal(result.isError, true, JSON.stringify(result));
      texts.push(result.content[0].text);
    }
    // An Error without a message was an empty text.
    assert.deepEqual(texts, ['disk full', 'Tool failed', 'a string', 'an object', 'nothing']);
  });

  it('completes prompt arguments and resource template variables with their completers, at most 100 values, with the earlier arguments; others get none', async () => {
    const server = newServer();
    const many = Array.from({ length: 150 }, (_, i) => `v${i}`);
    const seen: unknown[] = [];
    server.prompt('p', { arguments: [{ name: 'lang' }, { name: 'many' }], complete: { lang: (value) => ['go', 'rust', 'ruby'].filter((l) => l.startsWith(value)), many: () => many } }, () => 'x');
    server.resourceTemplate('repo://{owner}/{name}', { complete: { name: (value, context) => (seen.push(context.arguments), [`${value}-1`]) } }, () => 'x');
    server.resource('res://static', {}, () => 'x');
    const complete = async (ref: Record<string, unknown>, argument: Record<string, unknown>, context?: unknown) =>
      (await modern(server, 'completion/complete', { ref, argument, ...(context === undefined ? {} : { context }) })).response;
    assert.deepEqual((await complete({ type: 'ref/prompt', name: 'p' }, { name: 'lang', value: 'r' })).result.completion, { values: ['rust', 'ruby'], total: 2, hasMore: false });
    const capped = (await complete({ type: 'ref/prompt', name: 'p' }, { name: 'many', value: '' })).result.completion;
    assert.deepEqual(capped, { values: many.slice(0, 100), total: 150, hasMore: true });
    const templated = await complete({ type: 'ref/resource', uri: 'repo://{owner}/{name}' }, { name: 'name', value: 'mcp' }, { arguments: { owner: 'acme' } });
    assert.deepEqual(templated.result.completion.values, ['mcp-1']);
    assert.deepEqual(seen, [{ owner: 'acme' }]);
    const none = { values: [], total: 0, hasMore: false };
    assert.deepEqual((await complete({ type: 'ref/resource', uri: 'res://static' }, { name: 'x', value: '' })).result.completion, none);
    assert.deepEqual((await complete({ type: 'ref/prompt', name: 'p' }, { name: 'constructor', value: '' })).result.completion, none);
    for (const [ref, argument, context] of [
      [{ type: 'ref/resource', uri: 'res://nothing' }, { name: 'x', value: '' }, undefined],
      [{ type: 'ref/other' }, { name: 'x', value: '' }, undefined],
      [{ type: 'ref/prompt', name: 'p' }, { name: 'lang', value: 1 }, undefined],
      [{ type: 'ref/prompt', name: 'p' }, { name: 'lang', value: '' }, { arguments: { owner: 7 } }],
      [{ type: 'ref/prompt', name: 'p' }, { name: 'lang', value: '' }, 'context'],
    ] as const) {
      const refused = await complete(ref, argument, context);
      assert.equal(refused.error?.code, ErrorCode.InvalidParams, JSON.stringify(refused));
    }
  });

  it('refuses subscriptions/listen whose notifications are not an object with -32602', async () => {
    const server = newServer();
    for (const notifications of ['all', ['toolsListChanged'], 1]) {
      const { response } = await modern(server, 'subscriptions/listen', { notifications });
      assert.equal(response.error?.code, ErrorCode.InvalidParams, JSON.stringify(response));
    }
  });

  it('aborts the handler signal when the client cancels', async () => {
    const server = newServer();
    let started!: () => void;
    let aborted!: (reason: unknown) => void;
    server.tool('wait', {}, (_args, ctx) => {
      started();
      return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => (aborted(ctx.signal.reason), reject(ctx.signal.reason))));
    });
    for (const era of ['modern', 'legacy'] as const) {
      const running = new Promise<void>((resolve) => (started = resolve));
      const seen = new Promise((resolve) => (aborted = resolve));
      const { client, close } = await connectInMemory(server, { era });
      const controller = new AbortController();
      const call = client.callTool('wait', {}, { signal: controller.signal });
      await running;
      controller.abort();
      await assert.rejects(call);
      assert.ok(await seen, `${era}: the handler saw the cancellation`);
      await close();
    }
  });

  it('regression: an exchange without a Cancellation is followed through its signal only until the request is answered', async () => {
    // An embedder's exchange may share one signal among many requests (one per connection).
    const server = newServer();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: boolean[] = [];
    server.tool('wait', {}, async (_args, ctx) => {
      const signal = ctx.signal;
      await gate;
      seen.push(signal.aborted);
      return 'done';
    });
    const exchange = new TestExchange();
    const call = (id: number) => server.dispatch({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'wait', arguments: {}, _meta: MODERN_META } }, exchange);
    const first = Array.from({ length: 100 }, (_, i) => call(i));
    assert.equal(getEventListeners(exchange.signal, 'abort').length, 100, 'each call in flight follows the signal');
    release();
    for (const response of await Promise.all(first)) assert.deepEqual((response as any).result.content, [{ type: 'text', text: 'done' }]);
    assert.equal(getEventListeners(exchange.signal, 'abort').length, 0, 'answered calls no longer listen');
    // A call in flight still sees the signal abort (and, cancelled, is not answered).
    const late = call(100);
    exchange.controller.abort();
    assert.equal(await late, undefined);
    assert.deepEqual(seen, [...Array.from({ length: 100 }, () => false), true]);
  });

  it('notifies legacy sessions when lists change, once per burst', async () => {
    const server = newServer();
    const seen: string[] = [];
    const { client, close } = await connectInMemory(server, { era: 'legacy', onNotification: (n) => seen.push(n.method) });
    const tool = server.tool('t', {}, () => 'x');
    server.tool('u', {}, () => 'x');
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(seen, ['notifications/tools/list_changed']);
    tool.disable();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual((await client.listTools()).map((t) => t.name), ['u']);
    tool.enable();
    tool.remove();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(seen.length, 3);
    await close();
  });

  it('updates a tool in place: its new schema checks the next call, its new handler serves it, its description is listed, and sessions hear of the change', async () => {
    const server = newServer();
    const seen: string[] = [];
    const { client, close } = await connectInMemory(server, { era: 'legacy', onNotification: (n) => seen.push(n.method) });
    const call = async (args: Record<string, unknown>) => (await modern(server, 'tools/call', { name: 't', arguments: args })).response;
    const tool = server.tool('t', { description: 'old', inputSchema: TEXT_ARG }, ({ text }: { text: string }) => `old ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await call({ text: 'a' })).result.content[0].text, 'old a');
    const NUMBER_ARG = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } as const;
    tool.update({ description: 'new', inputSchema: NUMBER_ARG }, ({ n }: { n: number }) => `new ${n * 2}`);
    const refused = await call({ text: 'a' });
    assert.equal(refused.result.isError, true, JSON.stringify(refused));
    assert.match(refused.result.content[0].text, /required property 'n'/);
    assert.equal((await call({ n: 21 })).result.content[0].text, 'new 42');
    assert.deepEqual((await client.listTools()).map((t) => [t.name, t.description]), [['t', 'new']]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(seen, ['notifications/tools/list_changed', 'notifications/tools/list_changed']);
    // The definition alone: the handler stays.
    tool.update({ description: 'newer', inputSchema: NUMBER_ARG });
    assert.equal((await call({ n: 1 })).result.content[0].text, 'new 2');
    await close();
  });

  it('makes a read result of what a resource handler returns (text, bytes, contents, a whole result) and a prompt result of what a prompt handler returns', async () => {
    const server = newServer();
    server.resource('res://text', {}, () => 'hello');
    server.resource('res://png', { mimeType: 'image/png' }, () => new Uint8Array([1, 2, 3]));
    server.resource('res://bytes', {}, () => new Uint8Array([255]));
    server.resource('res://one', {}, () => ({ uri: 'res://one', text: 'one' }));
    server.resource('res://many', {}, () => [{ uri: 'res://many#a', text: 'a' }, { uri: 'res://many#b', blob: 'Yg==' }]);
    server.resource('res://whole', {}, () => ({ contents: [{ uri: 'res://whole', text: 'w' }], _meta: { 'example.com/k': 1 } }));
    const read = async (uri: string) => (await modern(server, 'resources/read', { uri })).response.result;
    assert.deepEqual((await read('res://text')).contents, [{ uri: 'res://text', mimeType: 'text/plain', text: 'hello' }]);
    assert.deepEqual((await read('res://png')).contents, [{ uri: 'res://png', mimeType: 'image/png', blob: 'AQID' }]);
    assert.deepEqual((await read('res://bytes')).contents, [{ uri: 'res://bytes', mimeType: 'application/octet-stream', blob: '/w==' }]);
    assert.deepEqual((await read('res://one')).contents, [{ uri: 'res://one', text: 'one' }]);
    assert.deepEqual((await read('res://many')).contents, [{ uri: 'res://many#a', text: 'a' }, { uri: 'res://many#b', blob: 'Yg==' }]);
    const whole = await read('res://whole');
    assert.deepEqual(whole.contents, [{ uri: 'res://whole', text: 'w' }]);
    assert.equal(whole._meta['example.com/k'], 1);

    server.prompt('text', {}, () => 'say hi');
    server.prompt('list', {}, () => [{ role: 'assistant', content: { type: 'text', text: 'hi' } }]);
    server.prompt('whole', {}, () => ({ description: 'd', messages: [{ role: 'user', content: { type: 'text', text: 'w' } }] }));
    const get = async (name: string) => (await modern(server, 'prompts/get', { name })).response.result;
    assert.deepEqual((await get('text')).messages, [{ role: 'user', content: { type: 'text', text: 'say hi' } }]);
    assert.deepEqual((await get('list')).messages, [{ role: 'assistant', content: { type: 'text', text: 'hi' } }]);
    const described = await get('whole');
    assert.equal(described.description, 'd');
    assert.deepEqual(described.messages, [{ role: 'user', content: { type: 'text', text: 'w' } }]);
  });

  it('refuses prompt arguments that are not an object of strings with -32602', async () => {
    const server = newServer();
    server.prompt('greet', { arguments: [{ name: 'name', required: true }] }, (args) => `Hello, ${args.name}`);
    for (const [args, message] of [
      ['Ada', 'Invalid arguments: must be an object'],
      [['Ada'], 'Invalid arguments: must be an object'],
      [{ name: { first: 'Ada' } }, 'Invalid arguments: name must be a string'],
      [{}, 'Missing required arguments: name'],
    ] as const) {
      const { response } = await modern(server, 'prompts/get', { name: 'greet', arguments: args });
      assert.equal(response.error?.code, ErrorCode.InvalidParams, JSON.stringify(response));
      assert.equal(response.error.message, message);
    }
    assert.equal((await modern(server, 'prompts/get', { name: 'greet', arguments: { name: 'Ada' } })).response.result.messages[0].content.text, 'Hello, Ada');
  });

  it('delivers resource updates to legacy subscribers and modern listeners', async () => {
    const server = newServer();
    server.resource('res://watched', {}, () => 'v1');
    const legacySeen = new Notifications();
    const legacy = await connectInMemory(server, { era: 'legacy', onNotification: (n) => legacySeen.push(n) });
    await legacy.client.request('resources/subscribe', { uri: 'res://watched' });
    const modernSeen = new Notifications();
    const modernPair = await connectInMemory(server, { onNotification: (n) => modernSeen.push(n) });
    const controller = new AbortController();
    const listening = modernPair.client
      .request('subscriptions/listen', { notifications: { resourceSubscriptions: ['res://watched'], promptsListChanged: true } }, { signal: controller.signal, timeoutMs: 0 })
      .catch(() => 'cancelled');
    await modernSeen.count(1);
    // Prompts are not offered, so only the resource subscription is acknowledged.
    assert.deepEqual(modernSeen[0].params?.notifications, { resourceSubscriptions: ['res://watched'] });
    server.resourceUpdated('res://other');
    server.resourceUpdated('res://watched');
    await Promise.all([legacySeen.count(1), modernSeen.count(2)]);
    assert.deepEqual(legacySeen.map((n) => n.params), [{ uri: 'res://watched' }]);
    const update = modernSeen[1];
    assert.equal(update.method, 'notifications/resources/updated');
    assert.equal((update.params?._meta as Record<string, unknown>)['io.modelcontextprotocol/subscriptionId'], modernSeen[0].params?._meta?.['io.modelcontextprotocol/subscriptionId']);
    controller.abort();
    assert.equal(await listening, 'cancelled');
    await legacy.close();
    await modernPair.close();
  });

  it('ends listen streams gracefully when the server closes', async () => {
    const server = newServer();
    server.tool('t', {}, () => 'x');
    const pending = modern(server, 'subscriptions/listen', { notifications: { toolsListChanged: true } });
    server.close();
    const { response, exchange } = await pending;
    assert.equal(exchange.sent[0].method, 'notifications/subscriptions/acknowledged');
    assert.equal(response.result.resultType, 'complete');
    assert.ok(response.result._meta['io.modelcontextprotocol/subscriptionId']);
  });

  it('requires the capabilities an input request needs (modern)', async () => {
    const server = newServer();
    server.tool('ask', {}, async (_args, ctx) => (await ctx.elicit({ message: 'q', requestedSchema: { type: 'object', properties: {} } })).action);
    const { response } = await modern(server, 'tools/call', { name: 'ask' });
    assert.equal(response.error.code, ErrorCode.MissingRequiredClientCapability);
    assert.deepEqual(response.error.data, { requiredCapabilities: { elicitation: {} } });
  });

  it('binds requestState to the request, and hands a handler its own state back', async () => {
    const server = newServer();
    const question = { message: 'q', requestedSchema: { type: 'object' as const, properties: {} } };
    server.tool('ask', { inputSchema: TEXT_ARG }, async ({ text }, ctx) => `${text}:${(await ctx.elicit(question, { key: 'k' })).action}`);
    server.tool('manual', {}, (_args, ctx) =>
      ctx.requestState === undefined ? { resultType: 'input_required', inputRequests: { k: { method: 'roots/list', params: {} } }, requestState: 'step-2' } : `resumed at ${ctx.requestState}`,
    );
    const caps = { elicitation: {} };
    const first = (await modern(server, 'tools/call', { name: 'ask', arguments: { text: 'a' } }, { capabilities: caps })).response.result;
    assert.equal(first.resultType, 'input_required');
    assert.deepEqual(Object.keys(first.inputRequests), ['k']);
    const answer = { k: { action: 'decline' } };
    const retry = (await modern(server, 'tools/call', { name: 'ask', arguments: { text: 'a' }, inputResponses: answer, requestState: first.requestState }, { capabilities: caps })).response;
    assert.equal(retry.result.content[0].text, 'a:decline');
    const otherArgs = (await modern(server, 'tools/call', { name: 'ask', arguments: { text: 'b' }, inputResponses: answer, requestState: first.requestState }, { capabilities: caps })).response;
    assert.equal(otherArgs.error.code, ErrorCode.InvalidParams);
    assert.match(otherArgs.error.message, /different request/);
    const own = (await modern(server, 'tools/call', { name: 'manual' })).response.result;
    assert.notEqual(own.requestState, 'step-2', 'the handler state travels sealed');
    const resumed = (await modern(server, 'tools/call', { name: 'manual', inputResponses: { k: { roots: [] } }, requestState: own.requestState })).response.result;
    assert.equal(resumed.content[0].text, 'resumed at step-2');
  });

  it('keeps tasks to the principal that created them', async () => {
    const server = newServer();
    server.tool('job', { taskSupport: 'required' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'done';
    });
    const caps = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const alice = { subject: 'alice', scopes: [] };
    const created = (await modern(server, 'tools/call', { name: 'job' }, { capabilities: caps, auth: alice })).response.result;
    assert.equal(created.resultType, 'task');
    const mallory = (await modern(server, 'tasks/get', { taskId: created.taskId }, { capabilities: caps, auth: { subject: 'mallory', scopes: [] } })).response;
    assert.equal(mallory.error.code, ErrorCode.InvalidParams);
    const mine = (await modern(server, 'tasks/get', { taskId: created.taskId }, { capabilities: caps, auth: alice })).response;
    assert.equal(mine.result.taskId, created.taskId);
    const undeclared = (await modern(server, 'tasks/get', { taskId: created.taskId }, { auth: alice })).response;
    assert.equal(undeclared.error.code, ErrorCode.MissingRequiredClientCapability);
  });

  it('answers thrown McpErrors as they are and hides unexpected failures', async () => {
    const errors: unknown[] = [];
    const server = newServer({ onError: (error) => errors.push(error) });
    server.prompt('strict', {}, () => {
      throw new McpError(-32099 + 1, 'custom');
    });
    server.resource('res://broken', {}, () => {
      throw new TypeError('secret detail');
    });
    const custom = (await modern(server, 'prompts/get', { name: 'strict' })).response;
    assert.deepEqual(custom.error, { code: -32098, message: 'custom' });
    const broken = (await modern(server, 'resources/read', { uri: 'res://broken' })).response;
    assert.deepEqual(broken.error, { code: ErrorCode.InternalError, message: 'Internal error' });
    assert.equal(errors.length, 1);
  });
});

describe('session bookkeeping', () => {
  it('forgets legacy sessions when they close', async () => {
    const server = newServer();
    server.tool('t', {}, () => 'x');
    const pairs = await Promise.all(Array.from({ length: 5 }, () => connectInMemory(server, { era: 'legacy' })));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(server.core.notifier.sessionCount, 5);
    await Promise.all(pairs.map((pair) => pair.close()));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(server.core.notifier.sessionCount, 0);
  });
});
