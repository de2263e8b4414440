/**
 * Bad input over stdio gets the spec's error and the process keeps serving; closing stdin
 * shuts it down. A real `mcp-core serve --stdio --demo` process.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
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
    assert.match(response.error.message, /exceeds the limit/);
    await echo(2, 'after an oversized message');
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

  it('exits when stdin closes', async () => {
    assert.equal(await peer.close(), 0);
  });
});
