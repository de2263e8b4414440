/**
 * A client's mistakes are answered as the client's mistakes (-32602, or a tool's `isError`
 * result), never as -32603 with a stack trace in the server's log. A real
 * `mcp-core serve --stdio --demo` process.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MODERN_META } from '../helpers/http.ts';
import { CLI } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const ELICITING_META = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };

/** `[[[...]]]` nested `depth` levels, as JSON text (JSON.stringify could not write it). */
function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('client mistakes over stdio', () => {
  let peer: RawStdio;
  let nextId: number;
  beforeEach(() => {
    peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo']);
    nextId = 1;
  });
  afterEach(async () => {
    await peer.close();
    assert.doesNotMatch(peer.stderr, /unexpected error/, 'nothing reached the log as an internal error');
  });

  async function request(method: string, params: Record<string, unknown>, meta: object = MODERN_META): Promise<any> {
    const id = nextId++;
    peer.send({ jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } });
    const response = await peer.next();
    assert.equal(response.id, id);
    return response;
  }

  it('completion/complete with a non-string ref.name gets -32602, not -32603', async () => {
    const argument = { name: 'name', value: 'A' };
    for (const ref of [
      { type: 'ref/prompt', name: { toString: 1 } },
      { type: 'ref/prompt', name: 42 },
      { type: 'ref/prompt' },
      { type: 'ref/resource', uri: [{ toString: 1 }] },
      { type: 'ref/resource', uri: null },
      { type: 7 },
    ]) {
      const response = await request('completion/complete', { ref, argument });
      assert.equal(response.error?.code, -32602, JSON.stringify(response));
    }
    for (const params of [
      { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: { toString: 1 }, value: 'A' } },
      { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'A' }, context: { arguments: { other: { toString: 1 } } } },
      { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'A' }, context: 'yesterday' },
    ]) {
      const response = await request('completion/complete', params);
      assert.equal(response.error?.code, -32602, JSON.stringify(response));
    }
    // An argument named after an Object.prototype member finds no completer.
    const inherited = await request('completion/complete', { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'constructor', value: '' } });
    assert.deepEqual(inherited.result.completion, { values: [], total: 0, hasMore: false });
  });

  it('arguments nested 20,000 deep no longer overflow the requestState digest (-32603)', async () => {
    const id = nextId++;
    // Written by hand: the test's own JSON.stringify would overflow too.
    const params = `{"name":"ask","arguments":{"question":"Name?","deep":${nestedArrays(20_000)}},"_meta":${JSON.stringify(ELICITING_META)}}`;
    peer.write(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${params}}\n`);
    const first = await peer.next();
    assert.equal(first.id, id);
    assert.equal(first.result?.resultType, 'input_required', JSON.stringify(first).slice(0, 300));
    const key = Object.keys(first.result.inputRequests)[0];
    const retry = `{"name":"ask","arguments":{"question":"Name?","deep":${nestedArrays(20_000)}},"inputResponses":${JSON.stringify({ [key]: { action: 'accept', content: { answer: 'Ada' } } })},"requestState":"${first.result.requestState}","_meta":${JSON.stringify(ELICITING_META)}}`;
    peer.write(`{"jsonrpc":"2.0","id":${id + 1},"method":"tools/call","params":${retry}}\n`);
    nextId++;
    const answered = await peer.next();
    assert.equal(answered.result?.content?.[0]?.text, 'Ada', JSON.stringify(answered).slice(0, 300));
  });

  it('inputResponses nested 20,000 deep get -32602, not -32603', async () => {
    const id = nextId++;
    const params = `{"name":"ask","arguments":{"question":"Name?"},"inputResponses":{"elicitation-1":{"action":"accept","content":{"answer":${nestedArrays(20_000)}}}},"_meta":${JSON.stringify(ELICITING_META)}}`;
    peer.write(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${params}}\n`);
    const response = await peer.next();
    assert.equal(response.id, id);
    assert.equal(response.error?.code, -32602, JSON.stringify(response).slice(0, 300));
    assert.match(response.error.message, /nested deeper than 1000 levels/);
  });

  it('resources/read of a URI longer than templates match is refused with -32602', async () => {
    const response = await request('resources/read', { uri: `demo://${'?'.repeat(9000)}#` });
    assert.equal(response.error?.code, -32602);
    assert.match(response.error.message, /longer than 8192 characters/);
  });

  it('add overflowing to Infinity is an isError result naming the tool, not -32603', async () => {
    const response = await request('tools/call', { name: 'add', arguments: { a: 1e308, b: 1e308 } });
    assert.equal(response.result?.isError, true, JSON.stringify(response));
    assert.match(response.result.content[0].text, /^Tool add returned structuredContent that does not match its outputSchema/);
    const fine = await request('tools/call', { name: 'add', arguments: { a: 1, b: 2 } });
    assert.deepEqual(fine.result.structuredContent, { sum: 3 });
  });
});
