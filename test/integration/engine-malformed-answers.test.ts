/**
 * The engine's program answering a call of one of its own tools (the tools channel, where the
 * engine is the client) with no JSON-RPC answer: an error whose code is not an integer or whose
 * message is not a string, an error that is not an object, a result that is not an object, a
 * result beside an error. The call on the manager channel is answered at once with an
 * `isError` result saying what was wrong, and the engine goes on serving. The test is the program: it starts `mcp-core engine`
 * and speaks both channels of its pipe over real pipes, as the Python package does.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { CLI } from '../helpers/processes.ts';

/** What each tool's call is answered with on the tools channel, as raw JSON text. */
const ANSWERS: Record<string, string> = {
  half: '"error":{"code":1.5,"message":"half"}',
  huge: '"error":{"code":1e400,"message":"huge"}',
  wordless: '"error":{"code":-32000,"message":{"no":1}}',
  bare: '"error":"denied"',
  hollow: '"result":null',
  both: '"result":{"content":[{"type":"text","text":"both"}]},"error":{"code":-32000,"message":"no"}',
  fine: '"result":{"content":[{"type":"text","text":"fine"}]}',
};

/** What the caller reads of each. */
const SAYS: Record<string, string> = {
  half: 'a malformed error: code is 1.5, not an integer',
  huge: 'a malformed error: code is Infinity, not an integer',
  wordless: 'a malformed error: message is an object, not a string',
  bare: 'a malformed error: it is "denied", not an object',
  hollow: 'a malformed result: it is null, not an object',
  both: 'a malformed response: it has both a result and an error',
};

/** The program's end of the engine's pipe: the start message, then both channels line by line. */
class Program {
  readonly #engine = spawn(process.execPath, [CLI, 'engine'], { stdio: ['pipe', 'pipe', 'pipe'] });
  readonly #answers = new Map<unknown, (message: any) => void>();
  readonly #ready: Promise<any>;
  stderr = '';

  constructor() {
    this.#engine.stderr!.on('data', (chunk) => (this.stderr += chunk));
    let ready!: (message: any) => void;
    this.#ready = new Promise((resolve) => (ready = resolve));
    createInterface({ input: this.#engine.stdout! }).on('line', (line) => {
      if (line.startsWith('@')) return this.#toolsChannel(JSON.parse(line.slice(1)));
      const message = JSON.parse(line);
      if ('engine' in message || ('error' in message && !('id' in message))) return ready(message);
      this.#answers.get(message.id)?.(message);
    });
    this.#write({ config: null, tools: true, http: null, roots: false });
  }

  #write(message: unknown, prefix = ''): void {
    this.#engine.stdin!.write(`${prefix}${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  /** The program's tools, served as a hostile program would. */
  #toolsChannel(message: any): void {
    if (message.id === undefined || message.method === undefined) return;
    const id = JSON.stringify(message.id);
    let body: string;
    if (message.method === 'initialize') body = '"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"program","version":"1"}}';
    else if (message.method === 'tools/list') body = `"result":${JSON.stringify({ tools: Object.keys(ANSWERS).map((name) => ({ name, inputSchema: { type: 'object' } })) })}`;
    else if (message.method === 'tools/call') body = ANSWERS[message.params.name];
    else body = '"result":{}';
    this.#write(`{"jsonrpc":"2.0","id":${id},${body}}`, '@');
  }

  /** A request on the manager channel; its answer, or a string saying none came within 10 s. */
  request(id: number, method: string, params: Record<string, unknown>): Promise<any> {
    const answer = new Promise((resolve) => this.#answers.set(id, resolve));
    this.#write({ jsonrpc: '2.0', id, method, params });
    return Promise.race([answer, delay(10_000, `no answer to ${method} ${id} within 10 s`, { ref: false })]);
  }

  async start(): Promise<void> {
    const ready = await this.#ready;
    assert.ok(ready.engine, `${JSON.stringify(ready)} ${this.stderr}`);
    const init = await this.request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'program', version: '1' } });
    assert.ok(init.result, JSON.stringify(init));
    this.#write({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  close(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.#engine.once('exit', (code) => resolve(code)));
    this.#engine.stdin!.end();
    return exited;
  }
}

describe('the engine\'s program answering a call of its own tool with no JSON-RPC answer', () => {
  it('regression: the call is an isError result saying what was wrong, at once (a code of 1.5 was the call\'s error with code 1.5, a result beside an error the call\'s result; the others were dropped and the call waited forever)', { timeout: 60_000 }, async () => {
    const program = new Program();
    try {
      await program.start();
      const names = Object.keys(SAYS);
      const answers = await Promise.all(names.map((name, index) => program.request(10 + index, 'tools/call', { name, arguments: {} })));
      for (const [index, name] of names.entries()) {
        const answer = answers[index];
        assert.equal(answer?.id, 10 + index, `${name}: ${JSON.stringify(answer)}`);
        assert.equal(answer.result?.isError, true, `${name}: ${JSON.stringify(answer)}`);
        assert.equal(answer.result.content[0].text, `The server answered tools/call with ${SAYS[name]}`, name);
      }
      const fine = await program.request(20, 'tools/call', { name: 'fine', arguments: {} });
      assert.equal(fine.result?.content[0].text, 'fine', JSON.stringify(fine));
    } finally {
      assert.equal(await program.close(), 0, program.stderr);
    }
  });
});
