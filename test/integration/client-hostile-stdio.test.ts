/**
 * What a hostile or broken stdio server can do to the client (and so to a gateway in front of
 * it): it cannot make the client hold unbounded memory. The peers are real child processes,
 * written here.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';

const FOREVER = 10 * 60_000;

/** Answers `initialize`, then never reads its input again (and never exits on its own). */
const DEAF_SERVER = `
process.stdin.once('data', (chunk) => {
  const { id } = JSON.parse(String(chunk).split('\\n')[0]);
  process.stdin.pause();
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'deaf', version: '1' } } }) + '\\n');
});
setInterval(() => {}, 60_000);
`;

/**
 * A server script that answers `initialize` (as `name`) and runs `answer` (JavaScript that
 * sees `message` and `send`) for every other message it reads, one a line.
 */
function lineServer(name: string, answer: string, preamble = ''): string {
  return `
const send = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
${preamble}
let rest = '';
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const line of lines) {
    const message = JSON.parse(line);
    if (message.method === 'initialize') send({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: '${name}', version: '1' } } });
    else { ${answer} }
  }
});
`;
}

/**
 * To `tools/call` "big" it answers with a result past the client's limit; to "ask" it first
 * asks an oversized question, then answers the call with what the client answered the
 * question. The id comes first in answers and last in the question, as JSON.stringify and the
 * official TypeScript SDK write them.
 */
const OVERSIZED_SERVER = lineServer(
  'oversized',
  `if (message.method === 'tools/call' && message.params.name === 'big') send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: big }] } });
    else if (message.method === 'tools/call' && message.params.name === 'ask') {
      asking = message.id;
      send({ method: 'elicitation/create', params: { message: big, requestedSchema: { type: 'object', properties: {} } }, jsonrpc: '2.0', id: 'question' });
    } else if (message.id === 'question') send({ jsonrpc: '2.0', id: asking, result: { content: [{ type: 'text', text: JSON.stringify(message) }] } });`,
  `const big = 'x'.repeat(200000);\nlet asking;`,
);

/** Answers every request with a response carrying both a result and an `error` that is no JSON-RPC error (a number). */
const BOTH_SERVER = lineServer(
  'both',
  `if (message.id !== undefined && message.method !== undefined) send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'ok' }] }, error: 466628326 });`,
);

describe('stdio client against a hostile server', () => {
  let client: McpClient | undefined;
  // Here rather than in the test: a test that times out must not leave its server running.
  after(() => client?.close());

  it('regression: a server that stops reading its input cannot make the client hold every request sent to it', { timeout: 30_000 }, async () => {
    const limit = 1024 * 1024;
    const transport = new StdioClientTransport({ command: process.execPath, args: ['-e', DEAF_SERVER], maxMessageBytes: limit, stderr: 'ignore', shutdownGraceMs: 200 });
    client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(transport);
    const text = 'x'.repeat(256 * 1024);
    const calls: Array<Promise<unknown>> = [];
    // Far more than the pipe and the limit hold: the calls past the limit fail at once.
    for (let call = 0; call < 40; call++) calls.push(client.callTool('echo', { text }).catch((error: unknown) => error));
    const refused = await calls.at(-1);
    assert.ok(refused instanceof McpLocalError && refused.code === LocalErrorCode.Overloaded, String(refused));
    assert.match(refused.message, /not reading its input/);
    assert.ok(transport.output.writableLength <= 2 * limit, `${transport.output.writableLength} bytes held`);
    await client.close();
    // The calls the pipe took fail with the connection.
    for (const outcome of await Promise.all(calls)) assert.ok(outcome instanceof McpLocalError, String(outcome));
  });

  it('regression: an answer past maxMessageBytes fails its request at once (it waited for the request timeout, here none)', { timeout: 30_000 }, async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: ['-e', OVERSIZED_SERVER], maxMessageBytes: 64 * 1024, stderr: 'ignore', shutdownGraceMs: 200 });
    client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER, onElicit: () => ({ action: 'decline' }) });
    await client.connect(transport);
    await assert.rejects(client.callTool('big', {}), (error: unknown) => {
      assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.MessageTooLarge, String(error));
      assert.match(error.message, /Message of 2000\d\d bytes exceeds the limit of 65536 bytes/);
      return true;
    });
    // A question past the limit is refused under its id, so the server is not left waiting.
    const asked = await client.callTool('ask', {});
    const answer = JSON.parse((asked.content[0] as { text: string }).text);
    assert.equal(answer.id, 'question');
    assert.equal(answer.error.code, -32600);
    assert.match(answer.error.message, /exceeds the limit of 65536 bytes/);
    await client.close();
  });

  it('regression: a response carrying both a result and an error that is no JSON-RPC error fails its request at once with MCP_ERR_PROTOCOL saying so (it failed with an McpError of no code and no message)', { timeout: 30_000 }, async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: ['-e', BOTH_SERVER], stderr: 'ignore', shutdownGraceMs: 200 });
    client = new McpClient({ name: 'hostile', version: '1.0.0', era: 'legacy', requestTimeoutMs: FOREVER });
    await client.connect(transport);
    await assert.rejects(client.callTool('echo', {}), (error: unknown) => {
      assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.ProtocolViolation, String(error));
      assert.equal(error.message, 'The server answered tools/call with a malformed response: it has both a result and an error');
      return true;
    });
    await client.close();
  });
});
