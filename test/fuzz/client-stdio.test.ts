/**
 * Fuzzing the stdio client against a hostile server process (test/fuzz/support/stdio-peer.ts):
 * the real McpClient over StdioClientTransport meets generated output (lines, partial lines,
 * binary, huge lines, garbage between valid messages, an exit mid-answer, a stdout closed
 * while the process runs on) in its handshake and its calls. Each case must settle, fail
 * clearly, leave nothing escaped and no process running, and work once the server behaves
 * (see client-case.ts).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { StdioClientTransport } from '../../src/transport/stdio-client.ts';
import { bounded, call, era, Escapes, runCase, Tally } from './support/client-case.ts';
import { fuzzParameters } from './support/runs.ts';
import { stdioTurn } from './support/stdio-turns.ts';

const PEER = join(import.meta.dirname, 'support', 'stdio-peer.ts');
const MAX_MESSAGE_BYTES = 64 * 1024;

/** Has the peer behave; settles once it says it will, or has exited. */
async function behave(transport: StdioClientTransport): Promise<void> {
  const child = transport.process;
  if (child.exitCode !== null || child.signalCode !== null || transport.state === 'closed') return;
  const exited = once(child, 'exit');
  const said = new Promise<void>((resolve) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk;
      if (text.includes('behaving\n')) resolve();
    });
  });
  child.kill('SIGUSR1');
  await bounded(Promise.race([said, exited]), 'the server told to behave');
}

describe('fuzz: stdio client against a hostile server process', () => {
  const escapes = new Escapes();
  const tally = new Tally();
  // The plan goes in a file: one of huge lines is past what an environment variable may hold.
  let planFile: string;
  before(() => {
    planFile = join(mkdtempSync(join(tmpdir(), 'client-fuzz-')), 'plan.json');
    escapes.watch();
  });
  after(() => {
    rmSync(join(planFile, '..'), { recursive: true, force: true });
    escapes.unwatch();
    tally.print('stdio client');
  });

  it('settles every call with a result or a clear error, stops the process, and works once the server behaves', async () => {
    await fc.assert(
      fc.asyncProperty(era, call, fc.boolean(), fc.array(stdioTurn, { minLength: 1, maxLength: 4 }), async (eraOf, method, properHandshake, plan) => {
        let transport!: StdioClientTransport;
        writeFileSync(planFile, JSON.stringify(plan));
        await runCase({
          era: eraOf,
          call: method,
          transport: () =>
            (transport = new StdioClientTransport({ command: process.execPath, args: [PEER], env: { FUZZ_PLAN: planFile, FUZZ_PROPER_HANDSHAKE: properHandshake ? '1' : '0' }, stderr: 'pipe', maxMessageBytes: MAX_MESSAGE_BYTES, shutdownGraceMs: 500 })),
          behave: () => behave(transport),
          tally,
        });
        // Closed, the client leaves no server process running.
        const child = transport.process;
        if (child.exitCode === null && child.signalCode === null) await bounded(once(child, 'exit'), 'the server process exiting');
        assert.ok(child.exitCode !== null || child.signalCode !== null);
        escapes.assertNone();
      }),
      { ...fuzzParameters('stdio client', 12, 0.02), endOnFailure: true },
    );
  });
});
