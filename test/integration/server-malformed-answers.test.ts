/**
 * What the server does with a client's answer to its own request (a legacy-era elicitation)
 * whose error is no JSON-RPC error, whose result is not an object, or that carries both a
 * result and an error: the handler's ctx.elicit rejects at once with -32600 saying what was
 * wrong, and the client is told its message was an Invalid Request. A hostile client speaks raw JSON to test/fixtures/elicit-server.ts over real
 * pipes and real HTTP on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { post, sseMessages } from '../helpers/http.ts';
import { ROOT, startHttpServer, type RunningServer } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const FIXTURE = join(ROOT, 'test/fixtures/elicit-server.ts');
const VERSION = '2025-11-25';
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: VERSION, capabilities: { elicitation: {} }, clientInfo: { name: 'hostile', version: '1' } } };

/** Answers to the question, the id standing as `__ID__`, and what the handler hears of each. */
const ANSWERS: Array<[string, string]> = [
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":1.5,"message":"half"}}', 'a malformed error in answer to request __ID__: code is 1.5, not an integer'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":1e400,"message":"huge"}}', 'a malformed error in answer to request __ID__: code is Infinity, not an integer'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":-32000,"message":{"no":1}}}', 'a malformed error in answer to request __ID__: message is an object, not a string'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":"denied"}', 'a malformed error in answer to request __ID__: it is "denied", not an object'],
  ['{"jsonrpc":"2.0","id":__ID__,"result":null}', 'a malformed result in answer to request __ID__: it is null, not an object'],
  // JSON-RPC 2.0: a result or an error, never both, whatever each holds.
  ['{"jsonrpc":"2.0","id":__ID__,"result":{"action":"decline"},"error":{"code":-32000,"message":"no"}}', 'a malformed response in answer to request __ID__: it has both a result and an error'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":5,"result":{"action":"decline"}}', 'a malformed response in answer to request __ID__: it has both a result and an error'],
  ['{"jsonrpc":"2.0","id":__ID__,"result":null,"error":{"code":-32000,"message":"no"}}', 'a malformed response in answer to request __ID__: it has both a result and an error'],
];

const textOf = (response: any): string => response.result?.content?.[0]?.text ?? JSON.stringify(response);

describe('a malformed answer from the client to the server\'s question', () => {
  it('regression: over stdio, rejects ctx.elicit at once with -32600 saying what is wrong, and tells the client (a code of 1.5 reached the handler as an McpError of code 1.5, which an uncaught one put in the call\'s answer; an object result beside an error was the answer; the others left the question waiting)', { timeout: 60_000 }, async () => {
    const peer = new RawStdio(process.execPath, [FIXTURE]);
    try {
      peer.send(INITIALIZE);
      assert.equal((await peer.next()).id, 1);
      peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      for (const [index, [answer, says]] of ANSWERS.entries()) {
        const callId = 10 + index;
        peer.send({ jsonrpc: '2.0', id: callId, method: 'tools/call', params: { name: 'form_caught', arguments: {} } });
        const question = await peer.next();
        assert.equal(question.method, 'elicitation/create', JSON.stringify(question));
        const id = JSON.stringify(question.id);
        peer.write(`${answer.replace('__ID__', id)}\n`);
        const replies = [await peer.next(5000), await peer.next(5000)];
        const refusal = replies.find((reply) => reply.id === undefined);
        const response = replies.find((reply) => reply.id === callId);
        assert.equal(refusal?.error?.code, -32600, `${answer}: ${JSON.stringify(replies)}`);
        assert.equal(refusal.error.message, `Invalid Request: ${says.replace(/ in answer to request __ID__/, '')}`);
        assert.equal(textOf(response), `refused -32600: Invalid Request: ${says.replace('__ID__', id)}`, answer);
      }
      // Uncaught, the refusal is the call's error: a code JSON-RPC allows.
      peer.send({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'form', arguments: {} } });
      const question = await peer.next();
      peer.write(`${ANSWERS[0][0].replace('__ID__', JSON.stringify(question.id))}\n`);
      const replies = [await peer.next(5000), await peer.next(5000)];
      assert.equal(replies.find((reply) => reply.id === 99)?.error?.code, -32600, JSON.stringify(replies));
    } finally {
      assert.equal(await peer.close(), 0, peer.stderr);
    }
  });

  describe('over HTTP, in a legacy session', () => {
    let server: RunningServer;
    before(async () => {
      server = await startHttpServer(FIXTURE, ['--http']);
    });
    after(() => server.stop());

    it('regression: rejects ctx.elicit at once with -32600 saying what is wrong, and the POST of the answer is refused 400 (a code of 1.5 reached the handler as an McpError of code 1.5; an object result beside an error was the answer, accepted 202; the others were refused and left the question waiting)', { timeout: 60_000 }, async () => {
      const init = await post(server.url, INITIALIZE);
      const sessionId = init.headers.get('mcp-session-id')!;
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': VERSION };
      await post(server.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
      for (const [index, [answer, says]] of ANSWERS.entries()) {
        const call = await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 10 + index, method: 'tools/call', params: { name: 'form_caught', arguments: {} } }) });
        const events = sseMessages(call);
        const question = (await events.next()).value;
        assert.equal(question?.method, 'elicitation/create', JSON.stringify(question));
        const id = JSON.stringify(question.id);
        const refused = await post(server.url, answer.replace('__ID__', id), headers);
        assert.equal(refused.status, 400, refused.text);
        assert.equal(refused.json.error.code, -32600, refused.text);
        const response = (await events.next()).value;
        assert.equal(textOf(response), `refused -32600: Invalid Request: ${says.replace('__ID__', id)}`, answer);
        await events.return(undefined);
      }
    });
  });
});
