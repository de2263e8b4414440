/**
 * Bad input over stdio gets the spec's error and the process keeps serving; closing stdin
 * shuts it down. A real `mcp-core serve --stdio --demo` process, written to raw and through the
 * official TypeScript SDK client.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { MODERN_META } from '../helpers/http.ts';
import { CLI } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

describe('stdio: malformed input', () => {
  let peer: RawStdio;
  beforeEach(() => {
    peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo', '--config', 'test/fixtures/small-limits.yaml']);
  });
  afterEach(async () => {
    await peer.close();
  });

  async function echo(id: number, text: string): Promise<void> {
    peer.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text }, _meta: MODERN_META } });
    const response = await peer.next();
    assert.equal(response.id, id);
    assert.equal(response.result.content[0].text, text);
  }

  it('answers invalid JSON with a parse error and goes on', async () => {
    peer.write('{"jsonrpc":"2.0",\n');
    const response = await peer.next();
    assert.equal(response.error.code, -32700);
    assert.equal('id' in response, false);
    await echo(1, 'after a parse error');
  });

  it('answers a line of a message and text after it, or of two messages, with one parse error each, runs none of them, and serves the next line', async () => {
    const request = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `n${id}` }, _meta: MODERN_META } });
    // In one write, the valid line right behind the bad ones: it must not be lost with them.
    peer.write(`${request(1)}garbage\n${request(2)}${request(3)}\n${request(4)}\x1b[0m\r\n${request(5)}\n`);
    for (let i = 0; i < 3; i++) {
      const response = await peer.next();
      assert.equal(response.error?.code, -32700, JSON.stringify(response));
      assert.equal('id' in response, false);
      assert.match(response.error.message, /^Parse error: /);
    }
    const next = await peer.next();
    assert.equal(next.id, 5, 'a request from a bad line was run');
    assert.equal(next.result.content[0].text, 'n5');
    await echo(6, 'after lines of junk');
  });

  it('answers every request of a burst written at once, a bad line among them', async () => {
    let burst = '';
    for (let id = 1; id <= 500; id++) {
      burst += JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `n${id}` }, _meta: MODERN_META } }) + '\n';
      if (id === 250) burst += '{"not json\n';
    }
    peer.write(burst);
    const texts = new Map<number, string>();
    let parseErrors = 0;
    for (let i = 0; i < 501; i++) {
      const message = await peer.next();
      if (message.error?.code === -32700) parseErrors++;
      else texts.set(message.id, message.result.content[0].text);
    }
    assert.equal(parseErrors, 1);
    assert.equal(texts.size, 500);
    for (const [id, text] of texts) assert.equal(text, `n${id}`);
    await echo(501, 'after the burst');
  });

  it('answers batches and malformed envelopes with Invalid Request', async () => {
    peer.send([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]);
    assert.equal((await peer.next()).error.code, -32600);
    peer.send({ jsonrpc: '2.0', id: 2, method: ['tools/list'] });
    const wrongType = await peer.next();
    assert.equal(wrongType.error.code, -32600);
    assert.equal(wrongType.id, 2);
    await echo(3, 'after invalid requests');
  });

  it('serves a batch in a session of 2025-03-26, each message answered on its own; refuses it in a newer session, empty or nested', async () => {
    const initialize = (id: number, protocolVersion: string) => ({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    peer.send(initialize(1, '2025-03-26'));
    assert.equal((await peer.next()).result.protocolVersion, '2025-03-26');
    peer.send([
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'in a batch' } } },
      [{ jsonrpc: '2.0', id: 3, method: 'ping' }],
      { jsonrpc: '2.0', id: 4, method: 'ping' },
    ]);
    const answers = [await peer.next(), await peer.next(), await peer.next()];
    const byId = new Map(answers.map((answer) => [answer.id, answer]));
    assert.equal(byId.get(2).result.content[0].text, 'in a batch');
    assert.deepEqual(byId.get(4).result, {});
    assert.equal(byId.get(undefined).error.code, -32600, 'a batch inside a batch');
    peer.send([]);
    assert.match((await peer.next()).error.message, /an empty batch/);

    const newer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo']);
    try {
      newer.send(initialize(1, '2025-11-25'));
      await newer.next();
      newer.send([{ jsonrpc: '2.0', id: 2, method: 'ping' }]);
      const refused = await newer.next();
      assert.equal(refused.error.code, -32600);
      assert.match(refused.error.message, /only in sessions of protocol version 2025-03-26; this one is 2025-11-25/);
    } finally {
      await newer.close();
    }
  });

  it('answers unknown methods and bad metadata per era', async () => {
    peer.send({ jsonrpc: '2.0', id: 1, method: 'no/such', params: { _meta: MODERN_META } });
    assert.equal((await peer.next()).error.code, -32601);
    peer.send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { ...MODERN_META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } });
    const unsupported = await peer.next();
    assert.equal(unsupported.error.code, -32022);
    assert.ok(unsupported.error.data.supported.includes('2026-07-28'));
    peer.send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    assert.equal((await peer.next()).error.code, -32602, 'neither initialize nor modern _meta');
    await echo(4, 'after protocol errors');
  });

  it('discards an oversized message with an error and goes on', async () => {
    peer.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'y'.repeat(100_000) }, _meta: MODERN_META } });
    const response = await peer.next();
    assert.equal(response.error.code, -32600);
    assert.match(response.error.message, /Message of 100\d\d\d bytes exceeds the limit of 65536 bytes/);
    assert.equal(response.id, 1);
    await echo(2, 'after an oversized message');
  });

  it('regression: answers an oversized request under its id, read from either end (it was answered with id null, and its client waited for a timeout)', async () => {
    // The official TypeScript SDK and pydantic write the id last, after params.
    const big = { name: 'echo', arguments: { text: '"id":9,'.repeat(20_000) }, _meta: MODERN_META };
    const line = JSON.stringify({ method: 'tools/call', params: big, jsonrpc: '2.0', id: 'last' });
    peer.write(`${line}\n`);
    const message = `Message of ${Buffer.byteLength(line)} bytes exceeds the limit of 65536 bytes`;
    assert.deepEqual(await peer.next(), { jsonrpc: '2.0', id: 'last', error: { code: -32600, message } });
    // A notification has no id to answer under: the error goes out without one, as before.
    peer.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: big })}\n`);
    const unnamed = await peer.next();
    assert.equal(unnamed.id, undefined);
    assert.equal(unnamed.error.code, -32600);
    await echo(3, 'after oversized messages');
  });

  it('refuses a request whose id is already in flight with -32600 under that id, and the first request still gets its own answer', async () => {
    peer.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 300 }, _meta: MODERN_META } });
    peer.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'twin' }, _meta: MODERN_META } });
    const refused = await peer.next();
    assert.equal(refused.id, 5);
    assert.equal(refused.error.code, -32600);
    assert.match(refused.error.message, /already in flight/);
    const slept = await peer.next();
    assert.equal(slept.id, 5);
    assert.ok(slept.result !== undefined && slept.result.isError !== true, JSON.stringify(slept));
    // Answered, the id is free again.
    await echo(5, 'again');
  });

  it('serves a legacy session after initialize, and cancels on notifications/cancelled', async () => {
    peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    assert.equal((await peer.next()).result.protocolVersion, '2025-06-18');
    peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    peer.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 3000 } } });
    peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'changed my mind' } });
    // The cancelled request's id is free at once: reusing it is not "already in flight" (-32600).
    peer.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    assert.deepEqual(await peer.next(), { jsonrpc: '2.0', id: 2, result: {} });
    // And the cancelled call never answers. Closing stdin lets calls still running finish and
    // answer before the exit (the drain timeout is 10 s, the sleep 3 s): a call that went on
    // would answer here.
    const exited = peer.close();
    assert.deepEqual(await peer.rest(), []);
    assert.equal(await exited, 0);
  });

  it('regression: an answer to an elicitation carrying both a result and a stray error is refused -32600, and so is the question (the tool got an error with no code and no message)', async () => {
    peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } });
    assert.equal((await peer.next()).result.protocolVersion, '2025-06-18');
    peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    peer.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ask', arguments: { question: 'ready?' } } });
    const question = await peer.next();
    assert.equal(question.method, 'elicitation/create');
    peer.send({ jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { answer: 'yes' } }, error: 5 });
    const replies = [await peer.next(), await peer.next()];
    const refusal = replies.find((reply) => reply.id === undefined);
    assert.deepEqual(refusal?.error, { code: -32600, message: 'Invalid Request: a malformed response: it has both a result and an error' }, JSON.stringify(replies));
    // The tool's question is rejected with it, and the tool (not catching it) fails with it.
    const answer = replies.find((reply) => reply.id === 2);
    assert.deepEqual(answer?.error, { code: -32600, message: `Invalid Request: a malformed response in answer to request ${JSON.stringify(question.id)}: it has both a result and an error` }, JSON.stringify(replies));
  });

  it('exits when stdin closes', async () => {
    assert.equal(await peer.close(), 0);
  });
});

describe('stdio: an oversized message from the official TypeScript SDK client', () => {
  const client = new ClientV1({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  before(async () => {
    await client.connect(new StdioV1({ command: process.execPath, args: [CLI, 'serve', '--stdio', '--demo', '--config', 'test/fixtures/small-limits.yaml'], stderr: 'ignore' }));
  });
  after(() => client.close());

  it('regression: its request gets -32600 at once (it waited for the SDK timeout: the error came without its id, which the SDK writes last)', async () => {
    // The SDK's own timeout is 60 s; a test that hits it fails on the node:test timeout.
    await assert.rejects(client.callTool({ name: 'echo', arguments: { text: 'y'.repeat(100_000) } }), (error: Error & { code?: number }) => {
      assert.equal(error.code, -32600);
      assert.match(error.message, /exceeds the limit of 65536 bytes/);
      return true;
    });
    const after = await client.callTool({ name: 'echo', arguments: { text: 'after' } });
    assert.deepEqual(after.content, [{ type: 'text', text: 'after' }]);
  });

  it('regression: an oversized answer to an elicitation fails the question at once (the tool waited for it until the client went away)', async () => {
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { answer: 'z'.repeat(100_000) } }));
    // The tool lets the question's error through: the call fails with it.
    await assert.rejects(client.callTool({ name: 'ask', arguments: { question: 'Long answer?' } }), /-32600: Message of \d+ bytes exceeds the limit of 65536 bytes/);
  });
});
