/**
 * Fields the spec fixes as strings, sent as objects whose `toString` is not a function
 * (`{"toString": 1}`) or as arrays of them: `String(x)` or a template literal on such a value
 * throws, and once threw out of the transport's body callback, taking the process down. Each
 * site gets the spec's error and the same server keeps serving. Real `mcp-core serve --demo`
 * processes, over HTTP (one process, then two workers) and over stdio.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { callTool, MODERN_META, openSession, post, postFresh } from '../helpers/http.ts';
import { children, CLI, startDemoHttp, type RunningServer } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

/** Values whose conversion to a string throws. */
const HOSTILE: unknown[] = [{ toString: 1 }, { toString: 1, valueOf: 1 }, [{ toString: 1 }], { toString: {}, valueOf: [] }];
const TASKS_META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };

function modernHeaders(method: string, name: string): Record<string, string> {
  return { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, 'mcp-name': name };
}

describe('hostile string-valued fields over Streamable HTTP', () => {
  let server: RunningServer;
  before(async () => {
    server = await startDemoHttp();
  });
  after(() => server.stop());

  async function stillServes(): Promise<void> {
    const result = await callTool(server.url, 99, 'echo', { text: 'still here' });
    assert.equal(result.status, 200);
    assert.equal(result.json.result.content[0].text, 'still here');
  }

  /** A modern request naming its target in Mcp-Name while the body's field is hostile. */
  async function namedRequest(method: string, field: string, value: unknown, meta = MODERN_META): Promise<void> {
    const response = await post(server.url, { jsonrpc: '2.0', id: 1, method, params: { [field]: value, _meta: meta } }, modernHeaders(method, 'x'));
    assert.equal(response.status, 400, response.text);
    assert.equal(response.json.error.code, -32020, response.text);
    assert.equal(response.json.id, 1);
  }

  it('tools/call whose name is {"toString":1} with an Mcp-Name header no longer crashes the server', async () => {
    for (const value of HOSTILE) await namedRequest('tools/call', 'name', value);
    await stillServes();
  });

  it('resources/read whose uri is {"toString":1} with an Mcp-Name header no longer crashes the server', async () => {
    for (const value of HOSTILE) await namedRequest('resources/read', 'uri', value);
    await stillServes();
  });

  it('prompts/get whose name is {"toString":1} with an Mcp-Name header no longer crashes the server', async () => {
    for (const value of HOSTILE) await namedRequest('prompts/get', 'name', value);
    await stillServes();
  });

  it('tasks/get, tasks/update and tasks/cancel whose taskId is {"toString":1} no longer crash the server', async () => {
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      for (const value of HOSTILE) await namedRequest(method, 'taskId', value, TASKS_META);
    }
    await stillServes();
  });

  it('an x-mcp-header parameter whose value is {"toString":1} no longer crashes the server', async () => {
    for (const value of HOSTILE) {
      const response = await post(
        server.url,
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'route', arguments: { region: value }, _meta: MODERN_META } },
        { ...modernHeaders('tools/call', 'route'), 'mcp-param-region': 'us-west1' },
      );
      assert.equal(response.status, 400, response.text);
      assert.equal(response.json.error.code, -32020, response.text);
    }
    const good = await post(
      server.url,
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'route', arguments: { region: 'us-west1' }, _meta: MODERN_META } },
      { ...modernHeaders('tools/call', 'route'), 'mcp-param-region': 'us-west1' },
    );
    assert.equal(good.json.result.content[0].text, 'routed to us-west1');
  });

  it('notifications/cancelled whose reason is {"toString":1} on a legacy session cancels the call and no longer crashes the server', async () => {
    for (const reason of HOSTILE) {
      const sessionId = await openSession(server.url);
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
      // With a progress token the call's response becomes an SSE stream at its first progress
      // notification: once its headers are here, the call is surely in flight.
      const call = await fetch(server.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 10_000 }, _meta: { progressToken: 'p' } } }),
      });
      assert.equal(call.headers.get('content-type'), 'text/event-stream');
      const cancel = await post(server.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason } }, headers);
      assert.equal(cancel.status, 202);
      // The cancelled call gets no response: its stream ends with progress only.
      const events = await call.text();
      assert.doesNotMatch(events, /"id":7/);
    }
    await stillServes();
  });
});

describe('hostile string-valued fields against --workers 2', () => {
  it('two tools/call requests whose name is {"toString":1} no longer take down both workers', async () => {
    const server = await startDemoHttp(['--workers', '2']);
    try {
      const workers = await children(server.process.pid!);
      assert.equal(workers.length, 2);
      for (let id = 1; id <= 4; id++) {
        const response = await postFresh(server.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: { toString: 1 }, _meta: MODERN_META } }, modernHeaders('tools/call', 'echo'));
        assert.equal(response.status, 400);
        assert.equal(response.json.error.code, -32020);
      }
      assert.deepEqual(await children(server.process.pid!), workers, 'the same two workers still serve');
      const good = await postFresh(server.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' }, _meta: MODERN_META } }, modernHeaders('tools/call', 'echo'));
      assert.equal(good.json.result.content[0].text, 'ok');
    } finally {
      await server.stop();
    }
  });
});

describe('hostile string-valued fields over stdio', () => {
  let peer: RawStdio;
  beforeEach(() => {
    peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo']);
  });
  afterEach(() => peer.close());

  it('notifications/cancelled whose reason is {"toString":1} cancels the call and no longer crashes the server', async () => {
    peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    assert.equal((await peer.next()).id, 1);
    peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    let id = 10;
    for (const reason of HOSTILE) {
      peer.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 60_000 } } });
      peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
      peer.send({ jsonrpc: '2.0', id: id + 1, method: 'ping' });
      // The cancelled call gets no response; the ping right after it does.
      assert.deepEqual(await peer.next(), { jsonrpc: '2.0', id: id + 1, result: {} });
      id += 2;
    }
  });

  it('an elicitation answer whose action is {"toString":1}, or whose content is, is refused -32602 before the tool sees it (demo ask)', async () => {
    peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } });
    assert.equal((await peer.next()).id, 1);
    peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const ask = async (id: number, result: unknown) => {
      peer.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Name?' } } });
      const question = await peer.next();
      assert.equal(question.method, 'elicitation/create');
      peer.send({ jsonrpc: '2.0', id: question.id, result });
      const answer = await peer.next();
      assert.equal(answer.id, id);
      return answer;
    };
    // An action the spec does not define never reaches the tool either.
    assert.deepEqual((await ask(3, { action: { toString: 1 } })).error, { code: -32602, message: 'The answer to "elicitation-1" (elicitation/create) is not a valid result' });
    // Content that does not match the requested schema never reaches the tool.
    assert.deepEqual((await ask(2, { action: 'accept', content: { answer: { toString: 1 } } })).error, {
      code: -32602,
      message: 'The answer to elicitation "elicitation-1" does not match its requestedSchema: content/answer must be a string, number, boolean or array of strings, not an object',
    });
  });

  it('modern tools/call, resources/read and prompts/get with hostile names get -32602', async () => {
    let id = 100;
    for (const [method, field] of [['tools/call', 'name'], ['resources/read', 'uri'], ['prompts/get', 'name']]) {
      for (const value of HOSTILE) {
        peer.send({ jsonrpc: '2.0', id, method, params: { [field]: value, _meta: MODERN_META } });
        const response = await peer.next();
        assert.equal(response.id, id);
        assert.equal(response.error.code, -32602, JSON.stringify(response));
        id++;
      }
    }
    peer.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ok' }, _meta: MODERN_META } });
    assert.equal((await peer.next()).result.content[0].text, 'ok');
  });
});
