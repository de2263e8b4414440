/** Finding a stdio server's message behind text glued to its front (junk-before-message.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { junkBeforeMessage, messageAfterJunk } from '../../src/transport/junk-before-message.ts';

describe('messageAfterJunk', () => {
  it('finds the message after a banner, an escape sequence or a message cut short, in any serializer\'s member order', () => {
    const cases: Array<[string, string, unknown]> = [
      ['Starting...', '{"jsonrpc":"2.0","id":1,"result":{}}', { jsonrpc: '2.0', id: 1, result: {} }],
      ['\x1b[2J\x1b[H', '{"result":{"tools":[]},"jsonrpc":"2.0","id":2}', { result: { tools: [] }, jsonrpc: '2.0', id: 2 }],
      ['ready ', '{"method":"notifications/message","params":{"level":"info","data":"x"},"jsonrpc":"2.0"}', { method: 'notifications/message', params: { level: 'info', data: 'x' }, jsonrpc: '2.0' }],
      ['>', '{ "jsonrpc" : "2.0", "id": "a", "error": {"code": -32601, "message": "no"} }', { jsonrpc: '2.0', id: 'a', error: { code: -32601, message: 'no' } }],
      ['{"jsonrpc":"2.0","id":1,"result":{"content":[', '{"jsonrpc":"2.0","id":2,"result":{}}', { jsonrpc: '2.0', id: 2, result: {} }],
      ['prefix {braces} and "quotes" {', '{"id":3,"jsonrpc":"2.0","result":{}}', { id: 3, jsonrpc: '2.0', result: {} }],
    ];
    for (const [junk, message, value] of cases) {
      assert.deepEqual(messageAfterJunk(junk + message), { junk, message: value }, JSON.stringify(junk));
    }
  });

  it('finds nothing where no JSON-RPC message ends the line', () => {
    for (const line of [
      'Starting...',
      'Starting...{"jsonrpc":"2.0","id":1,"result":{"content":[',
      'Starting...{"jsonrpc":"2.0","id":1,"result":{}} and more',
      'Starting...{"id":1,"result":{}}',
      'Starting...{"jsonrpc":"1.0","id":1,"result":{}}',
      'Starting...[{"jsonrpc":"2.0","id":1,"result":{}}]',
      'Starting...{"name":"x","jsonrpc":"2.0"}',
      '{"jsonrpc":"2.0","id":1,"result":{}',
    ]) {
      assert.equal(messageAfterJunk(line), undefined, line);
    }
  });

  it('costs one scan and at most one parse on a huge line of candidates', () => {
    // 8 MiB of places a message may start, then a message: a parse per candidate would take hours.
    const candidates = '{"id":'.repeat((8 * 1024 * 1024) / 6);
    const started = performance.now();
    assert.equal(messageAfterJunk(`x${candidates}{"jsonrpc":"2.0","id":1,"result":{}}`), undefined);
    assert.equal(messageAfterJunk(`x${' '.repeat(8 * 1024 * 1024)}{"jsonrpc":"2.0","id":1,"result":{}}`)?.message.id, 1);
    assert.equal(messageAfterJunk(`x${'{ \t'.repeat((8 * 1024 * 1024) / 3)}`), undefined);
    const took = performance.now() - started;
    assert.ok(took < 5_000, `took ${Math.round(took)} ms`);
  });

  it('reports the junk quoted, its escape sequences escaped, its length told', () => {
    assert.equal(
      junkBeforeMessage('\x1b[2JStarting\u009b...').message,
      'The server wrote 16 characters that are not JSON-RPC before a message on its stdout (which must carry only messages): "\\u001b[2JStarting\\u009b..."; the message was read',
    );
    assert.match(junkBeforeMessage('x'.repeat(10_000)).message, /^The server wrote 10000 characters .*: "x{200}\.\.\."; the message was read$/);
  });
});
