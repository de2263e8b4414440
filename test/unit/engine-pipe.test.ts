/**
 * The engine's pipe: one stream pair carrying the start message, the manager channel (plain
 * lines), the tools channel (`@` lines) and the `#end` control line.
 */
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { PipeChannels, RELATED_REQUEST_META_KEY } from '../../src/cli/engine-pipe.ts';
import { ServerConnection } from '../../src/server/connection.ts';
import { McpServer } from '../../src/server/server.ts';
import type { MessageReceiver } from '../../src/transport/transport.ts';

function recorder(): MessageReceiver & { messages: unknown[]; ended: string[] } {
  const messages: unknown[] = [];
  const ended: string[] = [];
  return {
    messages,
    ended,
    onMessage: (value) => messages.push(value),
    onFrameError: (error, peek) => messages.push(peek === undefined ? { frameError: error.message } : { frameError: error.message, peek }),
    onClose: (error) => ended.push(error === undefined ? 'closed' : `closed: ${error.message}`),
    onInputEnd: () => ended.push('input end'),
  };
}

/** An output that records each write it is asked for (a writev counts once, as one system call would). */
function setup() {
  const input = new PassThrough();
  const written: string[] = [];
  const writes = { count: 0 };
  const record = (text: string) => written.push(...text.split('\n').filter(Boolean));
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.count++;
      record(chunk.toString());
      done();
    },
    writev(chunks, done) {
      writes.count++;
      for (const { chunk } of chunks) record(chunk.toString());
      done();
    },
  });
  const pipe = new PipeChannels(input, output);
  return { input, pipe, written, writes };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A pipe reading lines of at most `limit` bytes, past its start message, both channels started. */
async function started(limit?: number) {
  const input = new PassThrough();
  const pipe = new PipeChannels(input, new PassThrough(), limit);
  input.write('{"config":null}\n');
  await pipe.firstLine();
  const manager = recorder();
  const tools = recorder();
  pipe.manager.start(manager);
  pipe.tools.start(tools);
  return { input, manager, tools };
}

describe('engine pipe', () => {
  it('regression: tells the channel of an oversized line which message it was (it told the manager channel, without an id)', async () => {
    const { input, manager, tools } = await started(64);
    input.write(`@{"jsonrpc":"2.0","id":"py-2","result":{"text":"${'x'.repeat(100)}"}}\n`);
    input.write(`{"method":"tools/call","params":{"text":"${'x'.repeat(100)}"},"jsonrpc":"2.0","id":3}\n`);
    await turn();
    assert.deepEqual(tools.messages, [{ frameError: 'Message of 151 bytes exceeds the limit of 64 bytes', peek: { id: 'py-2', response: true } }]);
    assert.deepEqual(manager.messages, [{ frameError: 'Message of 167 bytes exceeds the limit of 64 bytes', peek: { id: 3, method: 'tools/call', response: false } }]);
  });

  it('answers a line a relay dropped as too long (#cut) as one of its own, from the ends the relay kept', async () => {
    const { input, manager } = await started(4096);
    const cut = { bytes: 5000, whole: true, head: '{"method":"tools/call","params":{"x":"xxxx', tail: 'xxxx"},"jsonrpc":"2.0","id":"sdk-4"}' };
    input.write(`#cut ${JSON.stringify(cut)}\n#cut {"bytes":"many"}\n#cut not json\n`);
    input.write(`#cut ${JSON.stringify({ ...cut, whole: false, tail: 'xxx' })}\n`);
    await turn();
    assert.deepEqual(manager.messages, [
      { frameError: 'Message of 5000 bytes exceeds the limit of 4096 bytes', peek: { id: 'sdk-4', method: 'tools/call', response: false } },
      { frameError: 'Message of at least 5000 bytes exceeds the limit of 4096 bytes', peek: { method: 'tools/call', response: false } },
    ]);
  });

  it('yields the first line as the start message, then routes lines by their prefix', async () => {
    const { input, pipe } = setup();
    input.write('{"config":null}\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n@{"jsonrpc":"2.0","id":"py-1","result":{}}\n');
    assert.equal(await pipe.firstLine(), '{"config":null}');
    const manager = recorder();
    const tools = recorder();
    // Messages that arrived before the channels started are held for them.
    pipe.manager.start(manager);
    pipe.tools.start(tools);
    assert.deepEqual(manager.messages, [{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    assert.deepEqual(tools.messages, [{ jsonrpc: '2.0', id: 'py-1', result: {} }]);
  });

  it('regression: a question that belongs to no call never carries a call\'s name written by an upstream', async () => {
    const { pipe, written } = setup();
    pipe.manager.start(recorder());
    pipe.manager.send({ jsonrpc: '2.0', id: 9, method: 'elicitation/create', params: { message: 'Sure?', _meta: { [RELATED_REQUEST_META_KEY]: 'call-7', progressToken: 'p' } } });
    pipe.manager.send({ jsonrpc: '2.0', id: 10, method: 'roots/list', params: { _meta: null } } as never);
    pipe.manager.send({ jsonrpc: '2.0', id: 11, method: 'elicitation/create', params: { message: 'Mine?', _meta: { [RELATED_REQUEST_META_KEY]: 'call-7' } } }, 'call-8');
    await turn();
    await turn();
    assert.deepEqual(written.map((text) => JSON.parse(text)), [
      { jsonrpc: '2.0', id: 9, method: 'elicitation/create', params: { message: 'Sure?', _meta: { progressToken: 'p' } } },
      { jsonrpc: '2.0', id: 10, method: 'roots/list', params: { _meta: null } },
      { jsonrpc: '2.0', id: 11, method: 'elicitation/create', params: { message: 'Mine?', _meta: { [RELATED_REQUEST_META_KEY]: 'call-8' } } },
    ]);
  });

  it('writes the tools channel with its prefix, and a turn\'s messages in one write', async () => {
    const { pipe, written, writes } = setup();
    pipe.manager.start(recorder());
    pipe.tools.start(recorder());
    pipe.manager.send({ jsonrpc: '2.0', id: 1, result: {} });
    pipe.tools.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await turn();
    await turn();
    assert.deepEqual(written, ['{"jsonrpc":"2.0","id":1,"result":{}}', '@{"jsonrpc":"2.0","id":2,"method":"tools/list"}']);
    assert.equal(writes.count, 1);
  });

  it('#end ends the manager channel\'s input and leaves the tools channel open', async () => {
    const { input, manager, tools } = await started();
    input.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n#end\n@{"jsonrpc":"2.0","id":"py-2","result":{}}\n');
    await turn();
    assert.deepEqual(manager.ended, ['input end']);
    assert.equal(manager.messages.length, 1);
    assert.deepEqual(tools.ended, []);
    assert.equal(tools.messages.length, 1);
  });

  it('an engine method is kept by the intercept; a line that is not JSON is a frame error of its channel', async () => {
    const { input, pipe } = setup();
    input.write('{}\n');
    await pipe.firstLine();
    const manager = recorder();
    const tools = recorder();
    const intercepted: unknown[] = [];
    pipe.manager.intercept = (value) => (value as { method?: string }).method === 'mcp-core/health' && intercepted.push(value) > 0;
    pipe.manager.start(manager);
    pipe.tools.start(tools);
    input.write('{"jsonrpc":"2.0","id":7,"method":"mcp-core/health"}\n@{oops\n');
    await turn();
    assert.equal(intercepted.length, 1);
    assert.deepEqual(manager.messages, []);
    assert.equal(tools.messages.length, 1);
    assert.ok((tools.messages[0] as { frameError?: string }).frameError);
  });

  it('a question asked while serving a request names that request; notifications and other messages are left as they are', async () => {
    const { input, pipe, written } = setup();
    input.write('{}\n');
    await pipe.firstLine();
    pipe.tools.start(recorder());
    const server = new McpServer({ name: 'engine', version: '1.0.0' });
    server.tool('confirm', { description: 'Asks first.' }, async (_args, ctx) => {
      ctx.progress(1, 2);
      const answer = await ctx.elicit({ message: 'Sure?', requestedSchema: { type: 'object', properties: {} } });
      return String(answer.action);
    });
    new ServerConnection(server, pipe.manager).start();
    const send = (message: object) => input.write(`${JSON.stringify(message)}\n`);
    const line = async (match: (message: Record<string, unknown>) => boolean) => {
      for (;;) {
        const found = written.map((text) => JSON.parse(text) as Record<string, unknown>).find(match);
        if (found !== undefined) return found;
        await turn();
      }
    };
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } });
    await line((message) => message.id === 1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 'call-7', method: 'tools/call', params: { name: 'confirm', arguments: {}, _meta: { progressToken: 'p' } } });
    const question = await line((message) => message.method === 'elicitation/create');
    const params = question.params as { message: string; _meta: Record<string, unknown> };
    assert.equal(params.message, 'Sure?');
    assert.deepEqual(params._meta, { [RELATED_REQUEST_META_KEY]: 'call-7' });
    send({ jsonrpc: '2.0', id: question.id, result: { action: 'decline' } });
    const answer = await line((message) => message.id === 'call-7');
    assert.deepEqual((answer.result as { content: unknown[] }).content, [{ type: 'text', text: 'decline' }]);
    const progress = await line((message) => message.method === 'notifications/progress');
    assert.deepEqual(progress.params, { progressToken: 'p', progress: 1, total: 2 });
    assert.equal(written.filter((text) => text.includes(RELATED_REQUEST_META_KEY)).length, 1);
  });

  it('the pipe ending before a start message rejects firstLine and closes both channels', async () => {
    const { input, pipe } = setup();
    input.end();
    await assert.rejects(pipe.firstLine(), /before the start message/);
    assert.equal(pipe.manager.state, 'closed');
    assert.equal(pipe.tools.state, 'closed');
  });
});
