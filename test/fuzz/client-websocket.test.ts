/**
 * Fuzzing the WebSocket client against a hostile `ws` server on 127.0.0.1: the real McpClient
 * over WebSocketClientTransport meets generated frames in answer to each request (the turns of
 * the stdio target, see stdio-turns.ts: messages, messages cut short, binary frames, frames
 * past the client's limit), then a connection dropped mid-answer or closed. Each case must
 * settle, fail clearly, leave nothing escaped and no connection open, and work once the server
 * behaves (see client-case.ts).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { WebSocketServer, type WebSocket } from 'ws';
import { WebSocketClientTransport } from '../../src/transport/websocket/client.ts';
import { bounded, call, era, Escapes, runCase, Tally } from './support/client-case.ts';
import { properAnswer } from './support/proper-answers.ts';
import { fuzzParameters } from './support/runs.ts';
import { stdioTurn, type StdioTurn } from './support/stdio-turns.ts';
import { hugeAnswer, withId } from './support/turn-text.ts';

const MAX_MESSAGE_BYTES = 64 * 1024;

/** Plays the turns of the case on each request; proper answers once they are spent or `behaving`. */
class ScriptedWebSocketServer {
  readonly server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mcp' });
  turns: StdioTurn[] = [];
  properHandshake = false;
  /** Connections not yet closed. */
  readonly open = new Set<WebSocket>();
  #onClosed: (() => void) | undefined;

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/mcp`;
  }

  constructor() {
    this.server.on('connection', (socket) => {
      this.open.add(socket);
      socket.once('close', () => {
        this.open.delete(socket);
        if (this.open.size === 0) this.#onClosed?.();
      });
      socket.on('error', () => undefined);
      socket.on('message', (data, binary) => {
        if (binary) return;
        const message = JSON.parse(String(data)) as { id?: unknown; method?: unknown };
        if (typeof message.method !== 'string' || message.id === undefined) return;
        const handshake = message.method === 'server/discover' || message.method === 'initialize';
        const turn = this.properHandshake && handshake ? undefined : this.turns.shift();
        if (turn === undefined) return socket.send(JSON.stringify(properAnswer(message)));
        play(socket, turn, message.id);
      });
    });
  }

  /** Settles once every connection so far has closed. */
  allClosed(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#onClosed = resolve));
  }
}

function play(socket: WebSocket, turn: StdioTurn, id: unknown): void {
  for (const piece of turn.pieces) {
    if ('text' in piece) socket.send(withId(piece.text, id));
    else if ('bytes' in piece) socket.send(Buffer.from(piece.bytes, 'base64'), { binary: true });
    else socket.send(hugeAnswer(id, piece.huge));
  }
  if (turn.then === 'exit') socket.terminate();
  else if (turn.then === 'close-stdout') socket.close(4000, 'hostile');
}

describe('fuzz: WebSocket client against a hostile server', () => {
  let peer: ScriptedWebSocketServer;
  const escapes = new Escapes();
  const tally = new Tally();
  before(async () => {
    peer = new ScriptedWebSocketServer();
    await new Promise<void>((resolve) => peer.server.once('listening', resolve));
    escapes.watch();
  });
  after(async () => {
    escapes.unwatch();
    tally.print('WebSocket client');
    await new Promise((resolve) => peer.server.close(resolve));
  });

  it('settles every call with a result or a clear error, closes its connection, and works once the server behaves', async () => {
    await fc.assert(
      fc.asyncProperty(era, call, fc.boolean(), fc.array(stdioTurn, { minLength: 1, maxLength: 4 }), async (eraOf, method, properHandshake, turns) => {
        peer.turns = [...turns];
        peer.properHandshake = properHandshake;
        await runCase({
          era: eraOf,
          call: method,
          transport: () => new WebSocketClientTransport(peer.url, { maxMessageBytes: MAX_MESSAGE_BYTES, pingIntervalMs: 0 }),
          behave: () => void (peer.turns = []),
          tally,
        });
        // Closed, the client leaves no connection open.
        await bounded(peer.allClosed(), 'the server seeing every connection closed');
        assert.equal(peer.open.size, 0);
        escapes.assertNone();
      }),
      { ...fuzzParameters('WebSocket client', 12, 0.03), endOnFailure: true },
    );
  });
});
