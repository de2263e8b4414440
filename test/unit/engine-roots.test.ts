/**
 * The program's roots in the engine: an upstream's question that comes before the program's
 * handshake waits for it, then goes to the program on the manager channel; a program without
 * roots refuses; a withdrawn question stops waiting.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { PipeChannels } from '../../src/cli/engine-pipe.ts';
import { ProgramRoots } from '../../src/cli/engine-roots.ts';
import { ServerConnection } from '../../src/server/connection.ts';
import { McpServer } from '../../src/server/server.ts';

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function engine() {
  const input = new PassThrough();
  const output = new PassThrough();
  const written: Array<Record<string, unknown>> = [];
  let rest = '';
  output.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line !== '') written.push(JSON.parse(line) as Record<string, unknown>);
  });
  const pipe = new PipeChannels(input, output);
  input.write('{}\n');
  await pipe.firstLine();
  const roots = new ProgramRoots();
  const connection = new ServerConnection(new McpServer({ name: 'engine', version: '1.0.0' }), pipe.manager).start();
  roots.attach(connection, 10_000);
  const send = (message: object) => input.write(`${JSON.stringify(message)}\n`);
  const line = async (match: (message: Record<string, unknown>) => boolean) => {
    for (;;) {
      const found = written.find(match);
      if (found !== undefined) return found;
      await turn();
    }
  };
  const handshake = async (capabilities: object) => {
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'program', version: '1' } } });
    await line((message) => message.id === 1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await turn();
    roots.initialized();
  };
  return { roots, send, line, handshake };
}

describe('the program\'s roots', () => {
  it('a question before the handshake waits for it, then asks the program', async () => {
    const { roots, send, line, handshake } = await engine();
    const answer = roots.list({ signal: new AbortController().signal });
    await turn();
    await handshake({ roots: { listChanged: true } });
    const question = await line((message) => message.method === 'roots/list');
    send({ jsonrpc: '2.0', id: question.id, result: { roots: [{ uri: 'file:///home/me' }] } });
    assert.deepEqual(await answer, { roots: [{ uri: 'file:///home/me' }] });
  });

  it('a program that declared no roots is not asked; a withdrawn question stops waiting', async () => {
    const { roots, handshake } = await engine();
    const withdrawn = new AbortController();
    const waiting = roots.list({ signal: withdrawn.signal });
    withdrawn.abort();
    await assert.rejects(waiting, /withdrawn/);
    await handshake({});
    await assert.rejects(roots.list({ signal: new AbortController().signal }), /lists no roots/);
  });
});
