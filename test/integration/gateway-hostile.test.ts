/**
 * What a hostile upstream can do to a gateway and its other callers: a real gateway in front
 * of the well-behaved test fixture and of test/fixtures/hostile-upstream.ts (raw JSON-RPC over
 * stdio), with the official TypeScript SDK as the caller where its checks matter.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CompleteResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpClient } from '../../src/client/client.ts';
import type { UpstreamConfig } from '../../src/manager/config.ts';
import { Gateway } from '../../src/manager/gateway.ts';
import { McpManager } from '../../src/manager/manager.ts';
import type { McpError } from '../../src/protocol/wire-errors.ts';
import { McpServer } from '../../src/server/server.ts';
import { connectInMemory } from '../../src/testing/index.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { serveHttp } from '../../src/transport/http/node.ts';
import { fixture, textOf } from '../helpers/gateway.ts';
import { HostileServer, json } from '../helpers/hostile-http.ts';
import { ROOT } from '../helpers/processes.ts';

const HOSTILE = join(ROOT, 'test/fixtures/hostile-upstream.ts');

function hostile(args: string[] = []): UpstreamConfig {
  return { command: process.execPath, args: [HOSTILE, ...args], era: 'legacy' };
}

/** A gateway in front of the test fixture (`good`) and the hostile upstream, served over HTTP. */
async function served(args: string[] = [], settings: { inputTimeoutMs?: number } = {}) {
  const manager = new McpManager({ mcpServers: { good: fixture(), hostile: hostile(args) }, gateway: settings });
  const server = new McpServer({ name: 'gateway', version: '1.0.0' });
  const gateway = new Gateway(server, manager);
  await manager.start();
  const listener = await serveHttp(server, { host: '127.0.0.1', port: 0 });
  const close = async () => {
    await listener.close();
    await manager.close();
  };
  return { manager, gateway, url: listener.url, close };
}

describe('a hostile upstream behind the gateway', () => {
  it('malformed list entries are left out and reported; every other entry still lists for the official SDK client', async () => {
    const { manager, gateway, url, close } = await served(['--malformed']);
    const client = new Client({ name: 'sdk', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      // The SDK checks every item of a list: one malformed tool would fail the whole answer.
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      for (const name of ['good__echo', 'hostile__fine', 'hostile__flood']) assert.ok(tools.includes(name), `${name} in ${tools.join()}`);
      assert.deepEqual(tools.filter((name) => /schema_text|hint_text|title_number|sneaky/.test(name)), []);
      const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
      assert.deepEqual(prompts, ['good__hello', 'hostile__greet']);
      const resources = (await client.listResources()).resources.map((resource) => resource.uri);
      assert.ok(resources.includes('hostile://hostile__ok'), resources.join());
      assert.equal(resources.filter((uri) => uri.startsWith('hostile:')).length, 1, resources.join());
      const templates = (await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
      assert.deepEqual(templates, ['hostile://hostile__items/{id}']);
      assert.equal(textOf((await client.callTool({ name: 'hostile__fine', arguments: {} })) as { content: unknown }), 'fine');

      const reasons = gateway.health().collisions.map((collision) => `${collision.kind} ${collision.upstream} ${collision.name}: ${collision.reason}`);
      assert.deepEqual(reasons.sort(), [
        `tool hostile hostile__schema_text: hostile's tool "schema_text" is left out: inputSchema is a string, not an object`,
        `tool hostile hostile__hint_text: hostile's tool "hint_text" is left out: annotations.readOnlyHint is a string, not a boolean`,
        `tool hostile hostile__title_number: hostile's tool "title_number" is left out: title is a number, not a string`,
        `tool hostile hostile__sneaky_description: hostile's tool "sneaky_description" is left out: description is an object, not a string`,
        `tool hostile #5: hostile's tool number 5 is left out: name is a number, not a string`,
        `tool hostile #6: hostile's tool number 6 is left out: it is a string, not an object`,
        `prompt hostile hostile__deep: hostile's prompt "deep" is left out: it nests deeper than 1000 levels`,
        `prompt hostile hostile__args_number: hostile's prompt "args_number" is left out: arguments is a number, not an array`,
        `resource hostile hostile://hostile__nameless: hostile's resource "hostile://nameless" is left out: it has no name`,
        `resource hostile #3: hostile's resource number 3 is left out: uri is a number, not a string`,
        `template hostile hostile://hostile__bad/{id}: hostile's template "hostile://bad/{id}" is left out: annotations.priority is not a number from 0 to 1`,
      ].sort());
      // What the manager lists can be written out (the prompt nested 20,000 deep is not in it).
      assert.ok(JSON.stringify(await manager.listPrompts()).includes('hostile__greet'));
      // So can its health: the upstream's serverInfo nested as deep is shown by name and version.
      assert.deepEqual(JSON.parse(JSON.stringify(manager.health())).upstreams[1].server, { name: 'hostile', version: '1.0.0' });
    } finally {
      await client.close();
      await close();
    }
  });

  it('a flood of list_changed notifications is listed again once at a time, not once per notification', async () => {
    const manager = new McpManager({ mcpServers: { good: fixture(), hostile: hostile() } });
    try {
      await manager.start();
      // The notifications come before the answer on the one pipe: when it is in, every one was handled.
      assert.equal(textOf(await manager.callTool('hostile__flood', { count: 2000 })), 'flooded');
      // Requests go out in order on the pipe too: every listing asked for so far is counted.
      const lists = Number(textOf(await manager.callTool('hostile__lists', {})));
      // The first listing, one started by the flood, and one after it for what came meanwhile.
      assert.ok(lists <= 3, `${lists} tools/list requests`);
      assert.equal(textOf(await manager.callTool('good__echo', { text: 'still here' })), 'still here');
      assert.ok((await manager.listTools()).some((tool) => tool.name === 'hostile__fine'));
    } finally {
      await manager.close();
    }
  });

  it('regression: a storm of list_changed kept up over time lists again about once a second, not back to back, and the last list is offered', async () => {
    const manager = new McpManager({ mcpServers: { good: fixture(), hostile: hostile() } });
    try {
      await manager.start();
      const listed = async () => Number(textOf(await manager.callTool('hostile__lists', {})));
      const before = await listed();
      // A hundred rounds, each changing the list and sending five list_changed, one after the
      // other: a listing ran after nearly every round, as many as the rounds, each listing and
      // comparing every entry of the upstream, for as long as the upstream kept it up.
      const started = performance.now();
      const ROUNDS = 100;
      for (let round = 0; round < ROUNDS; round++) await manager.callTool('hostile__flood', { count: 5, grow: true });
      const seconds = (performance.now() - started) / 1000;
      const listings = (await listed()) - before;
      // One at once, then at most one a second (ten times as long as a listing takes, when more).
      assert.ok(listings <= 2 + seconds, `${listings} tools/list in ${seconds.toFixed(1)} s of storm`);
      // The last change is not lost: the listing after the storm offers it.
      await changed(manager, async () => (await manager.listTools()).some((tool) => tool.name === `hostile__grown${ROUNDS - 1}`));
      assert.equal(textOf(await manager.callTool('good__echo', { text: 'still here' })), 'still here');
    } finally {
      await manager.close();
    }
  });

  it('regression: resource updates an upstream floods for resources nobody follows go no further than the upstream; those followed reach their subscriber', async () => {
    const { manager, url, close } = await served();
    let emitted = 0;
    const unsubscribe = manager.subscribe({ onResourceUpdated: () => emitted++ });
    const heard: unknown[] = [];
    let allHeard: () => void = () => undefined;
    const three = new Promise<void>((resolve) => (allHeard = resolve));
    const caller = new McpClient({
      name: 'caller',
      version: '1.0.0',
      era: 'legacy',
      onNotification: (notification) => {
        if (notification.method !== 'notifications/resources/updated') return;
        heard.push(notification.params?.uri);
        if (heard.length === 3) allHeard();
      },
    });
    try {
      await caller.connect(new StreamableHttpClientTransport(url));
      await caller.request('resources/subscribe', { uri: 'hostile://hostile__items/1' });
      // Each went to every session and listener of the gateway to find no one: work for nothing, as many times as the upstream liked.
      await caller.callTool('hostile__flood_updated', { count: 10_000, uri: 'hostile://items/2' });
      await caller.callTool('hostile__flood_updated', { count: 3, uri: 'hostile://items/1' });
      await bounded(three, 'the updates of the followed resource');
      assert.deepEqual(heard, Array(3).fill('hostile://hostile__items/1'));
      assert.equal(emitted, 3);
    } finally {
      unsubscribe();
      await caller.close();
      await close();
    }
  });

  it('progress for tokens it was not given, and answers to requests never sent, are dropped: its callers see none of them', async () => {
    const { url, close } = await served();
    const progress: unknown[] = [];
    const notifications: unknown[] = [];
    const caller = new McpClient({ name: 'caller', version: '1.0.0', era: 'legacy', onNotification: (notification) => notifications.push(notification.method) });
    try {
      await caller.connect(new StreamableHttpClientTransport(url));
      const result = await caller.callTool('hostile__forge', {}, { onProgress: (reported) => progress.push(reported) });
      assert.equal(textOf(result), 'forged');
      assert.deepEqual(progress, []);
      // A call after it on the same pipe: everything forged before it has been read.
      assert.equal(textOf(await caller.callTool('hostile__fine', {})), 'fine');
      assert.deepEqual(notifications, []);
    } finally {
      await caller.close();
      await close();
    }
  });

  it('an upstream with 200,000 tools: the tools of every upstream still list', async () => {
    const manager = new McpManager({ mcpServers: { good: fixture(), hostile: hostile(['--tools', '200000']) } });
    try {
      await manager.start();
      const tools = await manager.listTools();
      assert.equal(tools.filter((tool) => tool.name.startsWith('hostile__t')).length, 200_000);
      assert.ok(tools.some((tool) => tool.name === 'good__echo'));
      assert.equal(textOf(await manager.callTool('hostile__t199999', {})), 'fine');
    } finally {
      await manager.close();
    }
  });

  it('regression: an upstream\'s tasks/get answer is checked as its tool results are: one nested 20,000 levels deep, with a malformed result or a handle for a result', async () => {
    const { close, url } = await served();
    const client = new McpClient({ name: 'tasks', version: '1.0.0', capabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
    try {
      await client.connect(new StreamableHttpClientTransport(url));
      const get = (taskId: string) => client.request('tasks/get', { taskId: `hostile__${taskId}` }, { timeoutMs: 10_000 });
      const said = 'Upstream "hostile" answered tasks/get with a malformed result:';
      assert.equal((await get('fine')).taskId, 'hostile__fine');
      // Was: "Internal error" (the answer could not be written out), and the others passed on.
      await assert.rejects(get('deep'), { code: -32603, message: `${said} it nests deeper than 1000 levels` });
      await assert.rejects(get('content_text'), { message: `${said} result.content is a string, not an array` });
      await assert.rejects(get('task_unasked'), { message: `${said} result is a task handle, not the result of the call` });
      assert.equal(((await get('fine')).result as { content: Array<{ text: string }> }).content[0].text, 'task fine');
    } finally {
      await client.close();
      await close();
    }
  });

  it('regression: the questions of an upstream\'s task waiting for input get the checks and bounds of its calls\' questions: 65 at once, a key of 100,000 characters, a method no server asks, params of the wrong types', async () => {
    const { manager, close, url } = await served();
    const client = new McpClient({ name: 'tasks', version: '1.0.0', capabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
    try {
      await client.connect(new StreamableHttpClientTransport(url));
      const get = (taskId: string) => client.request('tasks/get', { taskId: `hostile__${taskId}` }, { timeoutMs: 10_000 });
      const fine = await get('ask_fine');
      assert.equal(fine.status, 'input_required');
      assert.deepEqual(Object.keys(fine.inputRequests as object), ['name']);
      const said = 'Upstream "hostile" asked in its task what the gateway cannot pass on to its caller: ';
      // Was: passed on to the caller as they came.
      for (const [taskId, problem] of [
        ['ask_65', 'inputRequests asks more than 64 questions at once'],
        ['ask_long_key', 'inputRequests has a key of 100000 characters, more than 256'],
        ['ask_tools_call', 'inputRequests["q"] asks "tools/call", not elicitation/create, sampling/createMessage, roots/list'],
        ['ask_message_number', 'inputRequests["q"] (elicitation/create): message is a number, not a string'],
        ['ask_params_string', 'inputRequests["q"] has params that are not an object'],
      ]) {
        await assert.rejects(get(taskId), { code: -32603, message: said + problem }, taskId);
      }
      const { lastError } = manager.health().upstreams.find((upstream) => upstream.name === 'hostile')!;
      assert.equal(lastError?.message, `${said}inputRequests["q"] has params that are not an object`);
    } finally {
      await client.close();
      await close();
    }
  });

  it('regression: a caller\'s tasks/update answers for an upstream\'s task are checked as the server checks those to its own tasks (type, count, depth, each answering a question the task asked with a result of its method) and never reach the upstream malformed', async () => {
    const { close, url } = await served();
    const client = new McpClient({ name: 'tasks', version: '1.0.0', capabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
    try {
      await client.connect(new StreamableHttpClientTransport(url));
      const update = (taskId: string, inputResponses: unknown) => client.request('tasks/update', { taskId: `hostile__${taskId}`, inputResponses }, { timeoutMs: 10_000 });
      let deep: unknown = { action: 'accept' };
      for (let i = 0; i < 1000; i++) deep = { content: deep };
      // Was: each passed on to the upstream as it came. `ask_fine` asks one question, `name` (elicitation/create).
      for (const [inputResponses, problem] of [
        ['yes', 'must be an object, not "yes"'],
        [null, 'must be an object, not null'],
        [[{ action: 'accept' }], 'must be an object, not an array'],
        [Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`q${i}`, { action: 'accept' }])), 'more than 64 answers, the most questions asked at once'],
        [{ name: 'Ada' }, '"name" must be an object, not "Ada"'],
        [{ name: null }, '"name" must be an object, not null'],
        [{ name: deep }, 'nested deeper than 1000 levels'],
        [{ name: { action: 5 } }, '"name" is not a valid elicitation/create result'],
        [{ name: { action: { toString: 1 } } }, '"name" is not a valid elicitation/create result'],
      ] as Array<[unknown, string]>) {
        await assert.rejects(update('ask_fine', inputResponses), { code: -32602, message: `Invalid inputResponses: ${problem}` }, problem);
      }
      // Answers to questions not asked are left out (tasks extension: a server SHOULD ignore them):
      // with none left, the upstream is not told; a finished task has none outstanding.
      assert.equal((await update('ask_fine', JSON.parse('{"other":{"x":1},"__proto__":{"action":"accept"}}'))).resultType, 'complete');
      await update('fine', { name: { action: 'accept', content: { name: 'Ada' } } });
      await update('ask_fine', { name: { action: 'accept', content: { name: 'Ada' } }, stray: { x: 1 } });
      const received = JSON.parse(textOf(await client.callTool('hostile__updates_received', {})));
      assert.deepEqual(received, [{ name: { action: 'accept', content: { name: 'Ada' } } }]);
    } finally {
      await client.close();
      await close();
    }
  });

  it('regression: completion/complete, checked before the upstream is asked and its answer after: values of the wrong type, and 100,000 of them', async () => {
    const { close, url } = await served();
    const client = new Client({ name: 'sdk', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const ref = { type: 'ref/prompt', name: 'hostile__greet' };
      const complete = (params: Record<string, unknown>) => client.request({ method: 'completion/complete', params: { ref, ...params } }, CompleteResultSchema);
      // Was: forwarded as they came, for the upstream to make sense of.
      for (const params of [{ argument: 'who' }, { argument: { name: 'who', value: 7 } }, { argument: { name: 'who', value: 'a' }, context: { arguments: { x: 1 } } }, { argument: { name: 'who', value: 'a' }, context: 'x' }]) {
        await assert.rejects(complete(params), { code: -32602 }, JSON.stringify(params));
      }
      assert.equal(textOf((await client.callTool({ name: 'hostile__completions_asked', arguments: {} })) as { content: unknown }), '0');
      assert.deepEqual((await complete({ argument: { name: 'who', value: 'ann' } })).completion.values, ['ann']);
      // Was: all 100,000 passed on, past the spec's 100.
      const many = await complete({ argument: { name: 'who', value: 'many' } });
      assert.equal(many.completion.values.length, 100);
      assert.equal(many.completion.hasMore, true);
      assert.equal(many.completion.total, 100_000);
      await assert.rejects(complete({ argument: { name: 'who', value: 'wrong' } }), {
        code: -32603,
        message: 'MCP error -32603: Upstream "hostile" answered completion/complete with a malformed result: completion.values is a string, not an array',
      });
    } finally {
      await client.close();
      await close();
    }
  });

  it('an answer without the spec\'s types reaches the SDK client as an error naming the upstream and what is wrong', async () => {
    const { manager, url, close } = await served();
    const client = new Client({ name: 'sdk', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const malformed = (answer: string) => client.callTool({ name: 'hostile__malformed', arguments: { answer } });
      const said = 'Upstream "hostile" answered tools/call with a malformed result:';
      await assert.rejects(malformed('is_error_text'), { code: -32603, message: `MCP error -32603: ${said} isError is a string, not a boolean` });
      await assert.rejects(malformed('content_text'), { message: `MCP error -32603: ${said} content is a string, not an array` });
      await assert.rejects(malformed('text_object'), { message: `MCP error -32603: ${said} content[0].text is an object, not a string` });
      await assert.rejects(malformed('nothing'), { message: `MCP error -32603: ${said} it has no content` });
      await assert.rejects(malformed('deep'), { message: `MCP error -32603: ${said} it nests deeper than 1000 levels` });
      // Regression: passed on as it was, a handle the caller never asked for, under the upstream's own task id.
      await assert.rejects(malformed('task_unasked'), { message: `MCP error -32603: ${said} it is a task handle, but the call was not made as a task` });
      await assert.rejects(client.getPrompt({ name: 'hostile__greet', arguments: { who: 'x' } }), {
        message: 'MCP error -32603: Upstream "hostile" answered prompts/get with a malformed result: messages is a string, not an array',
      });
      const health = manager.health().upstreams.find((upstream) => upstream.name === 'hostile')!;
      assert.match(health.lastError?.message ?? '', /answered prompts\/get with a malformed result/);
      assert.equal(textOf((await client.callTool({ name: 'hostile__fine', arguments: {} })) as { content: unknown }), 'fine');
      assert.equal(textOf((await client.callTool({ name: 'good__echo', arguments: { text: 'x' } })) as { content: unknown }), 'x');
    } finally {
      await client.close();
      await close();
    }
  });

  it('an upstream asking 2,000 questions at once in one call: its caller is asked at most 64 at a time, the rest refused', async () => {
    const manager = new McpManager({ mcpServers: { hostile: hostile() } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    try {
      // A 2025 caller is asked by requests of the gateway's own; a 2026-07-28 one in InputRequiredResults.
      for (const era of ['legacy', 'modern'] as const) {
        let open = 0;
        let most = 0;
        const caller = await connectInMemory(server, {
          era,
          capabilities: { elicitation: {} },
          // How many of the questions each round carries depends on how fast they arrive: on a
          // loaded machine a round can carry a few, so the modern caller may need many rounds.
          maxInputRounds: 2000,
          onElicit: async () => {
            most = Math.max(most, ++open);
            await new Promise((resolve) => setImmediate(resolve));
            open--;
            return { action: 'accept', content: {} };
          },
        });
        try {
          const result = await caller.client.callTool('hostile__ask_many', { count: 2000 });
          const [accepted, refused] = textOf(result).match(/\d+/g)!.map(Number);
          assert.equal(accepted + refused, 2000, era);
          assert.ok(accepted > 0 && refused > 0, `${era}: ${textOf(result)}`);
          assert.ok(most <= 64, `${era}: the caller had ${most} questions open at once`);
        } finally {
          await caller.close();
        }
      }
    } finally {
      await manager.close();
    }
  });

  it('a log message nested 20,000 levels deep is dropped instead of thrown out of the gateway\'s process', async () => {
    const { manager, url, close } = await served();
    const logs: unknown[] = [];
    const caller = new McpClient({ name: 'caller', version: '1.0.0', era: 'legacy', onNotification: (notification) => logs.push(notification.params?.data) });
    try {
      await caller.connect(new StreamableHttpClientTransport(url));
      await caller.setLoggingLevel('debug');
      // Writing it to the caller's stream overflowed the stack, inside the upstream's pipe reader: an uncaught exception.
      assert.equal(textOf(await caller.callTool('hostile__deep_log', {})), 'logged');
      assert.deepEqual(logs, []);
      assert.equal(textOf(await caller.callTool('good__echo', { text: 'still here' })), 'still here');
    } finally {
      await caller.close();
      await close();
    }
  });

  it('regression: a question whose params nest 20,000 deep is refused at once on both sides, in both eras of caller, instead of waiting for inputTimeoutMs', async () => {
    // Far beyond the 30 s each call is given (bounded): it must end because of the refusal, not the timeout.
    const inputTimeoutMs = 600_000;
    const { url, close } = await served([], { inputTimeoutMs });
    try {
      for (const era of ['modern', 'legacy'] as const) {
        const asked: string[] = [];
        const caller = new McpClient({
          name: 'caller',
          version: '1.0.0',
          era,
          capabilities: { elicitation: {}, sampling: {} },
          onElicit: async () => {
            asked.push('elicitation');
            return { action: 'accept', content: {} };
          },
          onSample: async () => {
            asked.push('sampling');
            return { role: 'assistant', content: { type: 'text', text: 'no' }, model: 'none' };
          },
        });
        await caller.connect(new StreamableHttpClientTransport(url));
        try {
          for (const method of ['elicitation/create', 'sampling/createMessage']) {
            const said = `${era}, ${method}`;
            // The upstream hears why at once, and answers its call on its own terms: here, with what it heard.
            const result = await bounded(caller.callTool('hostile__ask_deep', { method }), `${said}: the call`);
            const refusal = `The gateway could not pass ${method} on to its caller: it nests deeper than 1000 levels`;
            assert.equal(textOf(result), `refused -32602: ${refusal}`, said);
            assert.deepEqual((result._meta as Record<string, unknown> | undefined)?.['mcp-core/refusedQuestion'], { upstream: 'hostile', method, reason: 'it nests deeper than 1000 levels' }, said);
            // Failing its call instead, the upstream's error reaches the caller naming the upstream and the reason.
            await assert.rejects(bounded(caller.callTool('hostile__ask_deep', { method, fail: true }), `${said}: the failing call`), (error: McpError) => {
              assert.equal(error.code, -32603, said);
              assert.equal(error.message, `Upstream "hostile" asked ${method}, which the gateway could not pass on to its caller (it nests deeper than 1000 levels), and then failed: My question was refused -32602: ${refusal}`, said);
              return true;
            });
          }
          assert.deepEqual(asked, [], `${era}: the caller was never asked`);
          assert.equal(textOf(await caller.callTool('good__echo', { text: 'still here' })), 'still here');
        } finally {
          await caller.close();
        }
      }
    } finally {
      await close();
    }
  });
});

describe('a 2026-07-28 upstream over HTTP', () => {
  it('regression: one that ends its subscriptions/listen stream is listened to again, less and less often while it keeps ending it at once, and listed again', async () => {
    const server = await new HostileServer().start();
    const listens: number[] = [];
    let lists = 0;
    let fourth: () => void = () => undefined;
    const fourListens = new Promise<void>((resolve) => (fourth = resolve));
    server.handler = (message, res) => {
      if (message.method === 'tools/list') {
        lists++;
        // Its list changes with each listing: what changed while the gateway was not listening is seen.
        return json(res, { jsonrpc: '2.0', id: message.id, result: { resultType: 'complete', tools: [{ name: `v${lists}`, inputSchema: { type: 'object' } }] } });
      }
      if (message.method !== 'subscriptions/listen') return void res.writeHead(202).end();
      listens.push(performance.now());
      if (listens.length === 4) fourth();
      // Acknowledged, then ended without a response, as a restart or a proxy's timeout would.
      const acknowledged = { jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: { toolsListChanged: true }, _meta: { 'io.modelcontextprotocol/subscriptionId': message.id } } };
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: ${JSON.stringify(acknowledged)}\n\n`);
    };
    const manager = new McpManager({ mcpServers: { h: { url: server.url, era: 'modern', reconnect: { initialDelayMs: 100, maxDelayMs: 10_000 } } } });
    try {
      await manager.start();
      // It listened once, and never again: the gateway heard none of its changes from then on.
      await bounded(fourListens, 'the fourth subscriptions/listen');
      // Waits can only run long on a busy machine: 100, 200, 400 ms at least.
      for (let i = 1; i < 4; i++) assert.ok(listens[i] - listens[i - 1] >= 100 * 2 ** (i - 1) - 10, `listened again after ${Math.round(listens[i] - listens[i - 1])} ms`);
      await changed(manager, async () => (await manager.listTools()).some((tool) => tool.name === 'h__v4'));
      assert.match(manager.health().upstreams[0].lastError?.message ?? '', /^listening for changes failed: .*; listening again in [\d.]+ s$/);
    } finally {
      await manager.close();
      await server.close();
    }
  });
});

describe('a question without the spec\'s types', () => {
  it('from a 2026-07-28 upstream (in its InputRequiredResult): the caller\'s call fails at once naming the upstream and what is wrong', async () => {
    const manager = new McpManager({ mcpServers: { fx: fixture([], { era: 'modern' }) }, gateway: { inputTimeoutMs: 600_000 } });
    const server = new McpServer({ name: 'gateway', version: '1.0.0' });
    new Gateway(server, manager);
    await manager.start();
    const listener = await serveHttp(server, { host: '127.0.0.1', port: 0 });
    let asked = 0;
    const caller = new McpClient({
      name: 'caller',
      version: '1.0.0',
      era: 'modern',
      onElicit: async () => {
        asked++;
        return { action: 'accept', content: {} };
      },
    });
    try {
      await caller.connect(new StreamableHttpClientTransport(listener.url));
      // Nothing is left waiting upstream: the upstream's call is stateless between rounds.
      await assert.rejects(bounded(caller.callTool('fx__ask_malformed', {}), 'the call'), {
        code: -32603,
        message: 'Upstream "fx" asked elicitation/create, which the gateway could not pass on to its caller (message is a number, not a string)',
      });
      assert.equal(asked, 0);
      assert.match(manager.health().upstreams[0].lastError?.message ?? '', /asked elicitation\/create, which the gateway could not pass on/);
      assert.equal(textOf(await caller.callTool('fx__echo', { text: 'still here' })), 'still here');
    } finally {
      await caller.close();
      await listener.close();
      await manager.close();
    }
  });
});

/** Resolves once `holds` after a change of the manager's lists (or at once); rejects after 30 s. */
async function changed(manager: McpManager, holds: () => Promise<boolean>): Promise<void> {
  let wake: () => void = () => undefined;
  const unsubscribe = manager.subscribe({ onChange: () => wake() });
  try {
    await bounded(
      (async () => {
        while (!(await holds())) await new Promise<void>((resolve) => (wake = resolve));
      })(),
      'the change',
    );
  } finally {
    unsubscribe();
  }
}

/** `call`, or a rejection naming `what` once 30 s have passed without an answer. */
async function bounded<T>(call: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} had no answer after 30 s`)), 30_000)));
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
  }
}

