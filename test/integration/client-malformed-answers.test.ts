/**
 * What the client does with a server's answer whose error is no JSON-RPC error (a code that is
 * not an integer, a message that is not a string, an error that is not an object), whose
 * result is not an object, or that carries both a result and an error, over each transport: the request it answers fails at once with an
 * McpLocalError saying so. The peers are real: a child process over stdio, a node:http server
 * (plain JSON and SSE answers) and a `ws` server, each on 127.0.0.1 and written here.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { McpClient } from '../../src/client/client.ts';
import { LocalErrorCode, McpLocalError } from '../../src/protocol/local-errors.ts';
import { McpError } from '../../src/protocol/wire-errors.ts';
import { StreamableHttpClientTransport } from '../../src/transport/http/client.ts';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { properAnswer } from '../fuzz/support/proper-answers.ts';

/** Far longer than an answer takes: a request still waiting after it was not failed by its answer. */
const TIMEOUT_MS = 5000;

/**
 * The answers a hostile server gives to `tools/call` of the tool named by the index, `__ID__`
 * standing for the request's id, and what the client must say of each.
 */
const ANSWERS: Array<[string, string]> = [
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":1.5,"message":"half"}}', 'error: code is 1.5, not an integer'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":1e400,"message":"huge"}}', 'error: code is Infinity, not an integer'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":1e300,"message":"far"}}', 'error: code is 1e+300, not an integer'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":"-32000","message":"text"}}', 'error: code is "-32000", not an integer'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"message":"none"}}', 'error: it has no code'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":-32000,"message":5}}', 'error: message is 5, not a string'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":[-32000,"no"]}', 'error: it is an array, not an object'],
  ['{"jsonrpc":"2.0","id":__ID__,"result":7}', 'result: it is 7, not an object'],
  // JSON-RPC 2.0: a result or an error, never both, whatever each holds.
  ['{"jsonrpc":"2.0","id":__ID__,"result":{"content":[]},"error":{"code":-32000,"message":"no"}}', 'response: it has both a result and an error'],
  ['{"jsonrpc":"2.0","id":__ID__,"error":{"code":-32000,"message":"no"},"result":{"content":[]}}', 'response: it has both a result and an error'],
  ['{"jsonrpc":"2.0","id":__ID__,"result":{"content":[]},"error":null}', 'response: it has both a result and an error'],
  ['{"jsonrpc":"2.0","id":__ID__,"result":7,"error":{"code":-32000,"message":"no"}}', 'response: it has both a result and an error'],
];

/** The answer to the request `message` (undefined: none is due), as a line of JSON text. */
function answerTo(message: { id?: unknown; method?: string; params?: { name?: string } }): string | undefined {
  if (message.method === 'tools/call') {
    const scripted = ANSWERS[Number(message.params?.name)];
    if (scripted !== undefined) return scripted[0].replace('__ID__', JSON.stringify(message.id));
    return JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: 'busy', data: { retry: 1 } } });
  }
  const answer = properAnswer(message);
  return answer === undefined ? undefined : JSON.stringify(answer);
}

/** A stdio server: the same answers, from a child process that reads its requests a line each. */
const STDIO_SERVER = `
const ANSWERS = ${JSON.stringify(ANSWERS.map(([text]) => text))};
const INITIALIZED = ${JSON.stringify(properAnswer({ id: 0, method: 'initialize' })!.result)};
let rest = '';
process.stdin.on('data', (chunk) => {
  const lines = (rest + chunk).split('\\n');
  rest = lines.pop();
  for (const line of lines) {
    const message = JSON.parse(line);
    if (message.id === undefined || message.method === undefined) continue;
    const id = JSON.stringify(message.id);
    if (message.method === 'initialize') process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: INITIALIZED }) + '\\n');
    else if (message.method === 'tools/call' && ANSWERS[Number(message.params.name)] !== undefined) process.stdout.write(ANSWERS[Number(message.params.name)].replace('__ID__', id) + '\\n');
    else if (message.method === 'tools/call') process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: 'busy', data: { retry: 1 } } }) + '\\n');
    else process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }) + '\\n');
  }
});
`;

/** Asks each scripted answer, then a well-formed error, which still reaches the caller as it came. */
async function checkAnswers(transport: () => Transport): Promise<void> {
  const client = new McpClient({ name: 'malformed', version: '1.0.0', era: 'legacy', requestTimeoutMs: TIMEOUT_MS });
  try {
    await client.connect(transport());
    for (const [index, [text, says]] of ANSWERS.entries()) {
      const started = performance.now();
      await assert.rejects(client.callTool(String(index), {}), (error: unknown) => {
        assert.ok(error instanceof McpLocalError && error.code === LocalErrorCode.ProtocolViolation, `${text}: ${String(error)}`);
        assert.equal(error.message, `The server answered tools/call with a malformed ${says}`);
        return true;
      });
      assert.ok(performance.now() - started < TIMEOUT_MS / 2, `${text}: failed only after ${Math.round(performance.now() - started)} ms`);
    }
    await assert.rejects(client.callTool('proper', {}), (error: unknown) => {
      assert.ok(error instanceof McpError, String(error));
      assert.deepEqual(error.toWire(), { code: -32000, message: 'busy', data: { retry: 1 } });
      return true;
    });
    // The connection serves on.
    assert.deepEqual(await client.ping(), {});
  } finally {
    await client.close();
  }
}

describe('a malformed answer from the server', () => {
  let http: Server;
  let sse = false;
  let ws: WebSocketServer;
  before(async () => {
    http = createServer((req, res) => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const answer = answerTo(JSON.parse(body));
        if (answer === undefined) return void res.writeHead(202).end();
        if (sse) res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`event: message\ndata: ${answer}\n\n`);
        else res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    ws = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mcp' });
    await new Promise<void>((resolve) => ws.once('listening', resolve));
    ws.on('connection', (socket) =>
      socket.on('message', (data) => {
        const answer = answerTo(JSON.parse(String(data)));
        if (answer !== undefined) socket.send(answer);
      }),
    );
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    for (const client of ws.clients) client.terminate();
    await new Promise((resolve) => ws.close(resolve));
  });

  it('regression: over stdio, fails its request at once saying what is wrong (a code of 1.5 was an McpError of code 1.5, an object result beside an error a result; the others waited for the timeout)', { timeout: 60_000 }, async () => {
    await checkAnswers(() => new StdioClientTransport({ command: process.execPath, args: ['-e', STDIO_SERVER], stderr: 'ignore', shutdownGraceMs: 200 }));
  });

  it('regression: over HTTP as a JSON body, fails its request saying what is wrong (a code of 1.5 was an McpError of code 1.5, an object result beside an error a result; the others said only that no JSON-RPC message came)', { timeout: 60_000 }, async () => {
    sse = false;
    await checkAnswers(() => new StreamableHttpClientTransport(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`));
  });

  it('regression: over HTTP on an SSE stream, fails its request at once saying what is wrong (a code of 1.5 was an McpError of code 1.5, an object result beside an error a result; the others failed as a stream that ended before its response)', { timeout: 60_000 }, async () => {
    sse = true;
    await checkAnswers(() => new StreamableHttpClientTransport(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`));
  });

  it('regression: over WebSocket, fails its request at once saying what is wrong (a code of 1.5 was an McpError of code 1.5, an object result beside an error a result; the others waited for the timeout)', { timeout: 60_000 }, async () => {
    await checkAnswers(() => new WebSocketClientTransport(`ws://127.0.0.1:${(ws.address() as AddressInfo).port}/mcp`, { pingIntervalMs: 0 }));
  });
});
