/**
 * Closing stdin is the stdio client's shutdown signal (spec: stdio, shutdown). Calls still
 * running are finished and answered before the server exits: `printf REQ | mcp-core serve
 * --stdio` used to lose the answers of async tools. Real processes over real pipes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { MODERN_META } from '../helpers/http.ts';
import { CLI } from '../helpers/processes.ts';
import { RawStdio } from '../helpers/stdio.ts';

const run = promisify(execFile);

function call(id: number, name: string, args: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: MODERN_META } });
}

describe('stdio: closing stdin', () => {
  it('printf REQ | mcp-core serve --stdio no longer drops the answers of calls still running', async () => {
    // The second request has no final newline, as `printf REQ` writes it.
    const { stdout } = await run('/bin/sh', ['-c', `printf '%s\\n%s' "$REQ1" "$REQ2" | "$NODE" "$CLI" serve --stdio --demo`], {
      env: { ...process.env, NODE: process.execPath, CLI, REQ1: call(1, 'sleep', { ms: 300 }), REQ2: call(2, 'echo', { text: 'last' }) },
    });
    const replies = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    assert.deepEqual(
      replies.filter((reply) => reply.id !== undefined).map((reply) => [reply.id, reply.result.content[0].text]).sort(),
      [[1, 'slept 300 ms'], [2, 'last']],
    );
  });

  it('answers a call waiting for the client (elicitation) once stdin closes, then exits 0', async () => {
    const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--demo']);
    peer.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 't', version: '1' } } });
    assert.equal((await peer.next()).id, 1);
    peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    peer.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ask', arguments: { question: 'Name?' } } });
    const question = await peer.next();
    assert.equal(question.method, 'elicitation/create');
    const exited = peer.close();
    const answer = await peer.next();
    assert.equal(answer.id, 2);
    assert.equal(answer.result.isError, true);
    assert.equal(await exited, 0);
  });
});
