/**
 * What the HTTP client makes of answers that are not SSE, the result cache's keys and
 * invalidation, and which failures a retry may follow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResultCache } from '../../src/client/result-cache.ts';
import { isRetryable, withRetries } from '../../src/client/retry.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { McpError } from '../../src/protocol/wire-errors.ts';
import { readAnswer, type SentMessage } from '../../src/transport/http/client-answer.ts';

const request: SentMessage = { id: 7, method: 'tools/call', sessionId: undefined };
const inSession: SentMessage = { id: 7, method: 'tools/call', sessionId: 'abc' };
const json = new Headers({ 'content-type': 'application/json' });

describe('readAnswer', () => {
  it('an error answer settles the posted request whatever its id (null, "server-error")', () => {
    for (const id of [null, 'server-error', 99]) {
      const answer = readAnswer(400, json, JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32600, message: 'Bad Request' } }), request);
      assert.deepEqual(answer.message, { jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'Bad Request' } });
      assert.equal(answer.error, undefined);
    }
  });

  it('a result with another id fails the request instead of leaving it waiting', () => {
    const answer = readAnswer(200, json, JSON.stringify({ jsonrpc: '2.0', id: 8, result: {} }), request);
    assert.equal(answer.message, undefined);
    assert.equal(answer.error?.code, LocalErrorCode.ProtocolViolation);
  });

  it('404 to a message in a session: the session expired, in the server\'s words', () => {
    const answer = readAnswer(404, json, JSON.stringify({ jsonrpc: '2.0', id: 'server-error', error: { code: -32600, message: 'Session not found' } }), inSession);
    assert.equal(answer.error?.code, LocalErrorCode.SessionExpired);
    assert.equal(answer.error?.message, 'Session not found (HTTP 404): Session not found');
  });

  it('404 without a session is an ordinary answer (modern: method not found)', () => {
    const answer = readAnswer(404, json, JSON.stringify({ jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'Method not found' } }), request);
    assert.equal((answer.message as { error: { code: number } }).error.code, -32601);
  });

  it('429 and 503 are refusals before serving, with Retry-After', () => {
    const answer = readAnswer(503, new Headers({ 'retry-after': '2' }), 'busy', request);
    assert.equal(answer.error?.code, LocalErrorCode.Overloaded);
    assert.equal(answer.error?.message, 'Server refused tools/call (HTTP 503): busy; retry after 2');
  });

  it('401 and 403 left unresolved by the auth layer are MCP_ERR_UNAUTHORIZED', () => {
    const answer = readAnswer(401, new Headers({ 'www-authenticate': 'Bearer' }), JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Missing token' } }), request);
    assert.equal(answer.error?.code, LocalErrorCode.Unauthorized);
    assert.equal(answer.error?.message, 'HTTP 401: Missing token');
  });

  it('pages that are not MCP name their content type; hostile error messages are not stringified', () => {
    const html = readAnswer(200, new Headers({ 'content-type': 'text/html' }), '<html>hi</html>', request);
    assert.equal(html.error?.message, 'Expected a JSON-RPC message or an SSE stream in answer to tools/call, got text/html (HTTP 200): <html>hi</html>');
    const none = readAnswer(204, new Headers(), '', request);
    assert.match(none.error!.message, /got no content type \(HTTP 204\)$/);
    const hostile = readAnswer(404, json, JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: 1, message: { toString: 1 } } }), inSession);
    assert.equal(hostile.error?.code, LocalErrorCode.SessionExpired);
  });

  it('a handshake refused with 404 or 405 names the older HTTP+SSE transport; other requests are not told of it', () => {
    for (const [status, method] of [[404, 'initialize'], [405, 'server/discover']] as const) {
      const refused = readAnswer(status, new Headers({ 'content-type': 'text/plain' }), 'Cannot POST /sse', { id: 0, method, sessionId: undefined });
      assert.equal(refused.error?.code, LocalErrorCode.ProtocolViolation);
      assert.match(refused.error!.message, new RegExp(`\\(HTTP ${status}\\): Cannot POST /sse\\. A server on the HTTP\\+SSE transport of 2024-11-05 is reached with SseClientTransport \\(a gateway upstream: type sse\\)$`));
    }
    const call = readAnswer(404, new Headers({ 'content-type': 'text/plain' }), 'Not Found', request);
    assert.doesNotMatch(call.error!.message, /HTTP\+SSE/);
  });

  it('a notification posted and accepted needs no answer', () => {
    assert.deepEqual(readAnswer(202, new Headers(), '', { id: undefined, method: 'notifications/initialized', sessionId: 'abc' }), {});
  });
});

describe('ResultCache', () => {
  it('keys lists by cursor and reads by uri; anything else in the params is not cacheable', () => {
    const cache = new ResultCache();
    assert.equal(cache.key('tools/list', {}), 'tools/list');
    assert.equal(cache.key('tools/list', { cursor: 'c2', _meta: { x: 1 } }), 'tools/list\nc2');
    assert.equal(cache.key('resources/read', { uri: 'file:///a' }), 'resources/read\nfile:///a');
    assert.equal(cache.key('tools/call', { name: 'x' }), undefined);
    assert.equal(cache.key('prompts/list', { cursor: 'c', inputResponses: {} }), undefined);
    assert.equal(cache.key('tools/list', { cursor: { toString: 1 } } as never), undefined);
  });

  it('keeps only final results with a positive ttlMs; notifications drop what they make stale', () => {
    const cache = new ResultCache();
    cache.set('tools/list', { tools: [], ttlMs: 0 });
    cache.set('prompts/list', { prompts: [], ttlMs: -5 });
    cache.set('resources/list', { resources: [], ttlMs: 1e9, resultType: 'input_required' });
    assert.equal(cache.get('tools/list'), undefined);
    assert.equal(cache.get('prompts/list'), undefined);
    assert.equal(cache.get('resources/list'), undefined);

    cache.set('tools/list', { tools: [], ttlMs: 60_000 });
    cache.set('tools/list\nc2', { tools: [], ttlMs: 60_000 });
    cache.set('resources/templates/list', { resourceTemplates: [], ttlMs: 60_000 });
    cache.set('resources/read\nfile:///a', { contents: [], ttlMs: 60_000 });
    cache.set('resources/read\nfile:///b', { contents: [], ttlMs: 60_000 });
    cache.invalidate('notifications/tools/list_changed', {});
    assert.equal(cache.get('tools/list'), undefined);
    assert.equal(cache.get('tools/list\nc2'), undefined);
    cache.invalidate('notifications/resources/list_changed', {});
    assert.equal(cache.get('resources/templates/list'), undefined);
    cache.invalidate('notifications/resources/updated', { uri: 'file:///a' });
    assert.equal(cache.get('resources/read\nfile:///a'), undefined);
    assert.ok(cache.get('resources/read\nfile:///b'));
  });

  it('serves a kept result with what is left of its ttlMs, and forgets it once that is over', async () => {
    const cache = new ResultCache();
    cache.set('tools/list', { tools: [], ttlMs: 60 });
    const fresh = cache.get('tools/list')!;
    assert.ok((fresh.ttlMs as number) > 0 && (fresh.ttlMs as number) <= 60, `ttlMs ${fresh.ttlMs}`);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(cache.get('tools/list'), undefined);
    // Kept past its bound of entries, the oldest goes first.
    for (let i = 0; i <= 512; i++) cache.set(`tools/list\nc${i}`, { tools: [], ttlMs: 60_000 });
    assert.equal(cache.get('tools/list\nc0'), undefined);
    assert.ok(cache.get('tools/list\nc1') && cache.get('tools/list\nc512'));
  });

  it('does not keep a resource larger than 1 MiB', () => {
    const cache = new ResultCache();
    cache.set('resources/read\nfile:///big', { contents: [{ uri: 'file:///big', text: 'x'.repeat(1024 * 1024 + 1) }], ttlMs: 60_000 });
    assert.equal(cache.get('resources/read\nfile:///big'), undefined);
  });
});

describe('isRetryable', () => {
  const local = (code: (typeof LocalErrorCode)[keyof typeof LocalErrorCode]) => new McpLocalError(code, 'x');
  it('nothing served: any request; may have been served: only safe ones; answers and cancellations: never', () => {
    for (const safe of [true, false]) {
      assert.equal(isRetryable(local(LocalErrorCode.Unreachable), safe), true);
      assert.equal(isRetryable(local(LocalErrorCode.Overloaded), safe), true);
      assert.equal(isRetryable(local(LocalErrorCode.Timeout), safe), safe);
      assert.equal(isRetryable(local(LocalErrorCode.ConnectionClosed), safe), safe);
      assert.equal(isRetryable(local(LocalErrorCode.Cancelled), safe), false);
      assert.equal(isRetryable(local(LocalErrorCode.SessionExpired), safe), false);
      assert.equal(isRetryable(new McpError(-32603, 'Internal error'), safe), false);
    }
  });
});

describe('withRetries', () => {
  it('retries up to the limit, then gives the last error', async () => {
    let attempts = 0;
    const failing = () => {
      attempts++;
      return Promise.reject(new McpLocalError(LocalErrorCode.Unreachable, 'down'));
    };
    await assert.rejects(withRetries(failing, { retries: 3, minDelayMs: 1 }, false, undefined, () => false), /down/);
    assert.equal(attempts, 4);
  });

  it('a caller who aborts while it waits gets MCP_ERR_CANCELLED, and nothing more is sent', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const failing = () => {
      attempts++;
      queueMicrotask(() => controller.abort());
      return Promise.reject(new McpLocalError(LocalErrorCode.Overloaded, 'busy'));
    };
    await assert.rejects(withRetries(failing, { retries: 5, minDelayMs: 60_000 }, false, controller.signal, () => false), (error: Error) => error instanceof McpLocalError && error.code === LocalErrorCode.Cancelled);
    assert.equal(attempts, 1);
  });

  it('a closed client is not retried', async () => {
    let attempts = 0;
    const failing = () => {
      attempts++;
      return Promise.reject(new McpLocalError(LocalErrorCode.ConnectionClosed, 'gone'));
    };
    await assert.rejects(withRetries(failing, { retries: 5, minDelayMs: 1 }, true, undefined, () => true), /gone/);
    assert.equal(attempts, 1);
  });
});
