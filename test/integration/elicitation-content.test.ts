/**
 * Accepted form-mode elicitation answers are checked against the question's `requestedSchema`
 * (spec client/elicitation, Security Considerations: servers SHOULD validate received data,
 * clients SHOULD validate responses). A hostile client, speaking raw JSON over real pipes and
 * real HTTP, answers with wrong types, extra nesting, missing required properties, a string
 * past maxLength, a value outside the enum: in the legacy era (a server-to-client request over
 * stdio), in the modern era (inputResponses over HTTP) and for a task (tasks/update); none
 * reaches the handler, and a well-formed answer reaches it unchanged. Then mcp-core's own
 * client, whose application answers wrongly, against the same real server in both eras.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import type { ElicitResult } from '../../src/protocol/types.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { GOOD, WRONG } from '../fixtures/elicit-form.ts';
import { callTool, MODERN_META, post } from '../helpers/http.ts';
import { ROOT, startHttpServer, type RunningServer } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const FIXTURE = join(ROOT, 'test/fixtures/elicit-server.ts');
const ASKS = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
const TASKS = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, extensions: { 'io.modelcontextprotocol/tasks': {} } } };
const textOf = (result: any): string => result.content[0].text;

describe('elicitation answers checked by the server, modern era (inputResponses over HTTP)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startHttpServer(FIXTURE, ['--http']);
  });
  after(() => server.stop());

  /** Asks `tool`, then retries with `answer` to its one question: the retry's response. */
  async function answered(tool: string, answer: unknown): Promise<any> {
    const first = await callTool(server.url, 1, tool, {}, ASKS);
    const { inputRequests, requestState } = first.json.result;
    assert.deepEqual(Object.keys(inputRequests), ['elicitation-1'], first.text);
    const retry = await post(
      server.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: {}, inputResponses: { 'elicitation-1': answer }, requestState, _meta: { ...MODERN_META, ...ASKS } } },
      { 'mcp-protocol-version': MODERN_META['io.modelcontextprotocol/protocolVersion'], 'mcp-method': 'tools/call', 'mcp-name': tool },
    );
    return retry.json;
  }

  it('regression: a retry whose answer does not match requestedSchema is answered -32602 naming the key and what is wrong', async () => {
    for (const { what, answer, says } of WRONG) {
      const response = await answered('form', answer);
      assert.equal(response.error?.code, -32602, `${what}: ${JSON.stringify(response)}`);
      assert.equal(response.error.message, `Invalid inputResponses: "elicitation-1" does not match its requestedSchema: ${says}`, what);
    }
  });

  it('a well-formed answer, a decline and a cancel reach the handler unchanged; a URL-mode answer is not checked', async () => {
    assert.equal(textOf((await answered('form', GOOD)).result), JSON.stringify(GOOD));
    assert.equal(textOf((await answered('form', { action: 'decline' })).result), '{"action":"decline"}');
    assert.equal(textOf((await answered('form', { action: 'cancel' })).result), '{"action":"cancel"}');
    assert.equal(textOf((await answered('form_url', { action: 'accept' })).result), '{"action":"accept"}');
  });
});

describe('elicitation answers checked by the server, legacy era (raw stdio)', () => {
  let peer: RawStdio;
  let id = 10;
  before(async () => {
    peer = new RawStdio(process.execPath, [FIXTURE]);
    peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 'hostile', version: '1' } } });
    assert.equal((await peer.next()).id, 1);
    peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  });
  after(() => peer.close());

  /** Calls `tool` and answers its question with `answer`: the call's response. */
  async function answered(tool: string, answer: unknown): Promise<any> {
    const callId = ++id;
    peer.send({ jsonrpc: '2.0', id: callId, method: 'tools/call', params: { name: tool, arguments: {} } });
    const question = await peer.next();
    assert.equal(question.method, 'elicitation/create', JSON.stringify(question));
    peer.send({ jsonrpc: '2.0', id: question.id, result: answer });
    const response = await peer.next();
    assert.equal(response.id, callId, JSON.stringify(response));
    return response;
  }

  it('regression: a response that is no elicitation/create result (no action, or one the spec does not define) rejects ctx.elicit with McpError -32602; it reached the handler as an answer', async () => {
    for (const answer of [{ action: 'maybe', content: { name: 'x' } }, {}, { action: 7 }]) {
      const response = await answered('form_caught', answer);
      assert.equal(textOf(response.result), 'refused -32602: The answer to "elicitation-1" (elicitation/create) is not a valid result', JSON.stringify(answer));
    }
  });

  it('regression: an answer that does not match requestedSchema rejects ctx.elicit with McpError -32602 the handler may catch', async () => {
    for (const { what, answer, says } of WRONG) {
      const response = await answered('form_caught', answer);
      assert.equal(textOf(response.result), `refused -32602: The answer to elicitation "elicitation-1" does not match its requestedSchema: ${says}`, what);
    }
  });

  it('regression: uncaught, the refusal fails the call as a handler error does', async () => {
    const response = await answered('form', WRONG[1].answer);
    assert.equal(response.error?.code, -32602, JSON.stringify(response));
    assert.match(response.error.message, /does not match its requestedSchema: content\/age must be a string, number, boolean or array of strings, not an object/);
  });

  it('a well-formed answer reaches the handler unchanged', async () => {
    assert.equal(textOf((await answered('form', GOOD)).result), JSON.stringify(GOOD));
    assert.equal(textOf((await answered('form', { action: 'decline' })).result), '{"action":"decline"}');
  });
});

describe('elicitation answers checked by the server, for a task (tasks/update over HTTP)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startHttpServer(FIXTURE, ['--http']);
  });
  after(() => server.stop());

  function tasks(method: string, id: number, params: Record<string, unknown>): Promise<any> {
    return post(
      server.url,
      { jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...MODERN_META, ...TASKS } } },
      { 'mcp-protocol-version': MODERN_META['io.modelcontextprotocol/protocolVersion'], 'mcp-method': method, 'mcp-name': String(params.taskId) },
    ).then((response) => response.json);
  }

  async function until(taskId: string, status: string): Promise<any> {
    const deadline = Date.now() + 20_000;
    for (let n = 0; Date.now() < deadline; n++) {
      const task = (await tasks('tasks/get', 100 + n, { taskId })).result;
      if (task?.status === status) return task;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`task ${taskId} never reached ${status}`);
  }

  /** Starts form_task, answers its question with `answer`: the task's final text. */
  async function answered(answer: unknown): Promise<string> {
    const created = (await callTool(server.url, 1, 'form_task', {}, TASKS)).json.result;
    assert.equal(created.resultType, 'task', JSON.stringify(created));
    const waiting = await until(created.taskId, 'input_required');
    const [key] = Object.keys(waiting.inputRequests);
    const ack = await tasks('tasks/update', 2, { taskId: created.taskId, inputResponses: { [key]: answer } });
    assert.equal(ack.error, undefined, JSON.stringify(ack));
    return textOf((await until(created.taskId, 'completed')).result);
  }

  it('regression: an answer that does not match requestedSchema rejects the task handler\'s ctx.elicit with McpError -32602', async () => {
    for (const { what, answer, says } of WRONG) {
      assert.equal(await answered(answer), `refused -32602: The answer to elicitation "elicitation-1" does not match its requestedSchema: ${says}`, what);
    }
  });

  it('a well-formed answer reaches the task handler unchanged', async () => {
    assert.equal(await answered(GOOD), JSON.stringify(GOOD));
  });
});

describe('elicitation answers checked by mcp-core\'s client before they are sent', () => {
  let server: RunningServer;
  before(async () => {
    server = await startHttpServer(FIXTURE, ['--http']);
  });
  after(() => server.stop());

  async function connect(era: 'modern' | 'legacy', onElicit: () => ElicitResult): Promise<McpClient> {
    const client = new McpClient({ name: 'checked', version: '1.0.0', era, onElicit });
    await client.connect(new StreamableHttpClientTransport(server.url));
    return client;
  }

  it('regression: modern era, an answer from onElicit that does not match requestedSchema fails the call locally (MCP_ERR_INVALID_ARGUMENT), unsent', async () => {
    for (const { what, answer, says } of WRONG) {
      const client = await connect('modern', () => answer as ElicitResult);
      try {
        await assert.rejects(client.callTool('form'), {
          code: 'MCP_ERR_INVALID_ARGUMENT',
          message: `The answer to the server's question "elicitation-1" (elicitation/create) does not match its requestedSchema, so it was not sent: ${says}`,
        }, what);
      } finally {
        await client.close();
      }
    }
  });

  it('regression: legacy era, such an answer is not sent as accept: the server gets a JSON-RPC error -32602', async () => {
    for (const { what, answer, says } of WRONG) {
      const client = await connect('legacy', () => answer as ElicitResult);
      try {
        const result = await client.callTool('form_caught');
        assert.equal(textOf(result), `refused -32602: The client's answer does not match requestedSchema, so it was not sent: ${says}`, what);
      } finally {
        await client.close();
      }
    }
  });

  it('regression: an answer from onElicit with an action the spec does not define is not sent: a local error (modern), a JSON-RPC error -32602 to the server (legacy); it was sent as it was', async () => {
    const maybe = () => ({ action: 'maybe' }) as unknown as ElicitResult;
    const modern = await connect('modern', maybe);
    try {
      await assert.rejects(modern.callTool('form'), { code: 'MCP_ERR_INVALID_ARGUMENT', message: `The answer to the server's question "elicitation-1" (elicitation/create) is not a valid result, so it was not sent` });
    } finally {
      await modern.close();
    }
    const legacy = await connect('legacy', maybe);
    try {
      assert.equal(textOf(await legacy.callTool('form_caught')), `refused -32602: The client's answer is not a valid elicitation/create result, so it was not sent`);
    } finally {
      await legacy.close();
    }
  });

  it('a well-formed answer goes through in both eras, and a request\'s own handler is checked as the client\'s is', async () => {
    for (const era of ['modern', 'legacy'] as const) {
      const client = await connect(era, () => GOOD as ElicitResult);
      try {
        assert.equal(textOf(await client.callTool('form')), JSON.stringify(GOOD), era);
        const own = era === 'modern' ? client.callTool('form', {}, { onElicit: () => WRONG[0].answer as ElicitResult }) : client.callTool('form_caught', {}, { onElicit: () => WRONG[0].answer as ElicitResult });
        if (era === 'modern') await assert.rejects(own, { code: 'MCP_ERR_INVALID_ARGUMENT' });
        else assert.match(textOf(await own), /^refused -32602: The client's answer does not match requestedSchema/);
      } finally {
        await client.close();
      }
    }
  });
});
