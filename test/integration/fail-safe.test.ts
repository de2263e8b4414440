/**
 * Fail-safe transports: whatever throws while one message is served (here: results JSON cannot
 * carry, and an onError that throws) answers that request with -32603 and never reaches the
 * process. Over real stdio and real HTTP (test/fixtures/faulty-server.ts), and through the
 * fetch face with real Request objects.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createFetchHandler } from '../../src/transport/http/fetch.ts';
import { createFaultyServer } from '../fixtures/faulty-server.ts';
import { MODERN_META, openSession, post, read } from '../helpers/http.ts';
import { ROOT, startHttpServer, type RunningServer } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const FIXTURE = join(ROOT, 'test/fixtures/faulty-server.ts');
/** Tools whose results JSON cannot carry, answered synchronously and later. */
const FAULTY_TOOLS = ['bigint', 'bigint_later', 'cyclic'];

function toolCall(id: number, name: string, modern = true): Record<string, unknown> {
  const params: Record<string, unknown> = { name, arguments: name === 'echo' ? { text: 'still here' } : {} };
  if (modern) params._meta = MODERN_META;
  return { jsonrpc: '2.0', id, method: 'tools/call', params };
}

function modernHeaders(name: string): Record<string, string> {
  return { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name };
}

describe('fail-safe stdio', () => {
  let peer: RawStdio;
  beforeEach(() => {
    peer = new RawStdio(process.execPath, [FIXTURE, 'stdio']);
  });
  afterEach(() => peer.close());

  it('a result JSON cannot carry is answered -32603 and no longer crashes the server (modern and legacy)', async () => {
    let id = 1;
    for (const name of FAULTY_TOOLS) {
      peer.send(toolCall(id, name));
      assert.deepEqual(await peer.next(), { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error' } });
      id++;
    }
    peer.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
    assert.equal((await peer.next()).id, 0);
    for (const name of FAULTY_TOOLS) {
      peer.send(toolCall(id, name, false));
      assert.equal((await peer.next()).error?.code, -32603);
      id++;
    }
    peer.send(toolCall(id, 'echo'));
    assert.equal((await peer.next()).result.content[0].text, 'still here');
    assert.match(peer.stderr, /reported: response: Do not know how to serialize a BigInt/);
    assert.match(peer.stderr, /reported: response: Converting circular structure to JSON/);
  });

  it('an onError that throws no longer crashes the server', async () => {
    peer.send({ jsonrpc: '2.0', id: 1, method: 'faulty/reject', params: { _meta: MODERN_META } });
    assert.equal((await peer.next()).error.code, -32603);
    peer.send(toolCall(2, 'echo'));
    assert.equal((await peer.next()).result.content[0].text, 'still here');
    assert.match(peer.stderr, /unexpected error in onError, reporting on faulty\/reject: Error: onError failed too/);
  });
});

describe('fail-safe HTTP, node face', () => {
  let server: RunningServer;
  before(async () => {
    server = await startHttpServer(FIXTURE, ['http']);
  });
  after(() => server.stop());

  it('a result JSON cannot carry is answered -32603 and no longer crashes the server (modern and legacy)', async () => {
    let id = 1;
    for (const name of FAULTY_TOOLS) {
      const response = await post(server.url, toolCall(id, name), modernHeaders(name));
      assert.equal(response.status, 200);
      assert.deepEqual(response.json, { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error' } });
      id++;
    }
    const sessionId = await openSession(server.url);
    for (const name of FAULTY_TOOLS) {
      const response = await post(server.url, toolCall(id, name, false), { 'mcp-session-id': sessionId });
      assert.equal(response.json.error?.code, -32603, response.text);
      id++;
    }
    const after = await post(server.url, toolCall(id, 'echo'), modernHeaders('echo'));
    assert.equal(after.json.result.content[0].text, 'still here');
  });

  it('an onError that throws no longer crashes the server', async () => {
    const response = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'faulty/reject', params: { _meta: MODERN_META } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'faulty/reject' });
    assert.equal(response.json.error.code, -32603);
    const after = await post(server.url, toolCall(2, 'echo'), modernHeaders('echo'));
    assert.equal(after.json.result.content[0].text, 'still here');
  });
});

describe('fail-safe HTTP, fetch face', () => {
  const handle = createFetchHandler(createFaultyServer());

  it('a result JSON cannot carry is answered -32603 instead of rejecting', async () => {
    let id = 1;
    for (const name of FAULTY_TOOLS) {
      const request = new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', host: '127.0.0.1', ...modernHeaders(name) },
        body: JSON.stringify(toolCall(id, name)),
      });
      const response = await read(await handle(request));
      assert.deepEqual(response.json, { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error' } });
      id++;
    }
  });
});
