/** Finding a stdio server's messages in a line that is not one message (junk-around-messages.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { junkAroundMessages, messagesInLine } from '../../src/transport/junk-around-messages.ts';

describe('messagesInLine', () => {
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
      assert.deepEqual(messagesInLine(junk + message), { messages: [value], junk: [junk], before: true, after: false }, JSON.stringify(junk));
    }
  });

  it('regression: finds the message before junk on its line, and every message of a line of several', () => {
    const one = '{"jsonrpc":"2.0","id":1,"result":{"text":"a } ] \\" {\\"id\\":2"}}';
    const two = '{"result":{},"jsonrpc":"2.0","id":2}';
    const note = '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}';
    const parse = (text: string) => JSON.parse(text) as unknown;
    const cases: Array<[string, unknown]> = [
      [`${one}garbage`, { messages: [parse(one)], junk: ['garbage'], before: false, after: true }],
      [`${one}\x1b[0m Done.`, { messages: [parse(one)], junk: ['\x1b[0m Done.'], before: false, after: true }],
      [`>${one}<`, { messages: [parse(one)], junk: ['>', '<'], before: true, after: true }],
      [`${one}{"jsonrpc":"2.0","id":`, { messages: [parse(one)], junk: ['{"jsonrpc":"2.0","id":'], before: false, after: true }],
      [`${one}${two}`, { messages: [parse(one), parse(two)], junk: [], before: false, after: false }],
      [`${note} ${one} \t${two}`, { messages: [parse(note), parse(one), parse(two)], junk: [], before: false, after: false }],
      [`a${one}b${two}c`, { messages: [parse(one), parse(two)], junk: ['a', 'b', 'c'], before: true, after: true }],
      [`${one}{"id":9,"result":{}}${two}`, { messages: [parse(one), parse(two)], junk: ['{"id":9,"result":{}}'], before: false, after: false }],
      [`Starting...[${two}]`, { messages: [parse(two)], junk: ['Starting...[', ']'], before: true, after: true }],
    ];
    for (const [line, expected] of cases) assert.deepEqual(messagesInLine(line), expected, line);
  });

  it('finds nothing where the line holds no whole JSON-RPC message', () => {
    for (const line of [
      'Starting...',
      'Starting...{"jsonrpc":"2.0","id":1,"result":{"content":[',
      'Starting...{"id":1,"result":{}}',
      'Starting...{"jsonrpc":"1.0","id":1,"result":{}}',
      'Starting...{"name":"x","jsonrpc":"2.0"}',
      '{"jsonrpc":"2.0","id":1,"result":{}',
      '{"jsonrpc":"2.0","id":1,"result":{"a":"}"}',
      '{"jsonrpc":"2.0","id":1,"result":{]}garbage',
    ]) {
      assert.equal(messagesInLine(line), undefined, line);
    }
  });

  it('costs time linear in the line on a huge line of candidates', () => {
    // 8 MiB of places a message may start, then a message: a parse per candidate would take hours.
    const candidates = '{"id":'.repeat((8 * 1024 * 1024) / 6);
    const message = '{"jsonrpc":"2.0","id":1,"result":{}}';
    const started = performance.now();
    assert.equal(messagesInLine(`x${candidates}${message}`), undefined);
    assert.equal(messagesInLine(`x${' '.repeat(8 * 1024 * 1024)}${message}`)?.messages[0].id, 1);
    assert.equal(messagesInLine(`x${'{ \t'.repeat((8 * 1024 * 1024) / 3)}`), undefined);
    // Objects that close but are no messages, one after another, then messages: each parsed once.
    assert.equal(messagesInLine(`${'{"id":{"id":1}}'.repeat((8 * 1024 * 1024) / 15)}${message}`)?.messages.length, 1);
    assert.equal(messagesInLine(message.repeat((8 * 1024 * 1024) / message.length))?.messages.length, Math.floor((8 * 1024 * 1024) / message.length));
    const took = performance.now() - started;
    assert.ok(took < 5_000, `took ${Math.round(took)} ms`);
  });
});

describe('junkAroundMessages', () => {
  const message = '{"jsonrpc":"2.0","id":1,"result":{}}';
  const report = (line: string) => junkAroundMessages(messagesInLine(line)!).message;

  it('reports the junk quoted, its escape sequences escaped, its length and place told', () => {
    assert.equal(
      report(`\x1b[2JStarting\u009b...${message}`),
      'The server wrote 16 characters that are not JSON-RPC before a message on its stdout (which must carry only messages): "\\u001b[2JStarting\\u009b..."; the message was read',
    );
    assert.match(report(`${'x'.repeat(10_000)}${message}`), /^The server wrote 10000 characters .*: "x{200}\.\.\."; the message was read$/);
    assert.equal(
      report(`${message}garbage`),
      'The server wrote 7 characters that are not JSON-RPC after a message on its stdout (which must carry only messages): "garbage"; the message was read',
    );
    assert.equal(
      report(`>${message}\x1b[0m`),
      'The server wrote 5 characters that are not JSON-RPC before and after a message on its stdout (which must carry only messages): ">" and "\\u001b[0m"; the message was read',
    );
  });

  it('reports messages sharing a line, with the junk among them', () => {
    assert.equal(report(`${message}${message}`), 'The server wrote 2 messages on one line of its stdout (which must end each message with a newline); the messages were read');
    assert.equal(
      report(`a${message}bb${message}${message}`),
      'The server wrote 3 messages on one line of its stdout (which must end each message with a newline), and 3 characters that are not JSON-RPC around them: "a" and 1 more pieces; the messages were read',
    );
  });
});
