/** `mcp-core serve --workers 2`: one port, several processes, a restarted crash, a clean stop. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODERN_META, postFresh } from '../helpers/http.ts';
import { children, startDemoHttp } from '../helpers/processes.ts';

async function ask(url: string, id: number, extra: Record<string, unknown> = {}) {
  const meta = { ...MODERN_META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
  const response = await postFresh(
    url,
    { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Name?' }, _meta: meta, ...extra } },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'ask' },
  );
  return response.json;
}

describe('--workers', () => {
  it('serves from several processes that share the requestState secret, and replaces a crashed one', async () => {
    const server = await startDemoHttp(['--workers', '2']);
    try {
      const workers = await children(server.process.pid!);
      assert.equal(workers.length, 2);
      // Each round and its retry go out on new connections: whichever worker opens the
      // requestState, it must be able to.
      for (let i = 0; i < 10; i++) {
        const first = await ask(server.url, 1);
        assert.equal(first.result.resultType, 'input_required');
        const retry = await ask(server.url, 2, { requestState: first.result.requestState, inputResponses: { [Object.keys(first.result.inputRequests)[0]]: { action: 'accept', content: { answer: 'Ada' } } } });
        assert.equal(retry.result.content[0].text, 'Ada', JSON.stringify(retry));
      }
      process.kill(workers[0], 'SIGKILL');
      for (let i = 0; i < 50 && (await children(server.process.pid!)).filter((pid) => pid !== workers[0]).length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal((await children(server.process.pid!)).filter((pid) => pid !== workers[0]).length, 2, 'a new worker took the place of the crashed one');
      const after = await ask(server.url, 3);
      assert.equal(after.result.resultType, 'input_required');
    } finally {
      await server.stop();
    }
    assert.equal(server.process.exitCode, 0);
  });
});
