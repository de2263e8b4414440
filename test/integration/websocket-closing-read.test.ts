/**
 * A WebSocket connection the server closes (here with 1009, a message over the limit) while a
 * call on it still runs is let go as soon as its client has gone: the call's answer, written to
 * the closing socket, must not pause its reading, or the client's end goes unseen until ws
 * drops the socket after its 30 s closing timeout, and the connection counts against
 * `maxConnectionsPerClient` and `maxConnections` all that time. And a peer that never answers
 * the server's close does not hold a graceful shutdown past the closing grace.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startServe, type Served } from '../helpers/served.ts';
import { modernCall, openRaw, type RawPeer } from '../helpers/ws.ts';

const LIMIT = 1024;
/** Far less than ws's 30 s closing timeout, far more than letting go takes. */
const LET_GO_MS = 5_000;

/** Opens a connection, retrying while the server refuses it (503: the client's one slot is held). */
async function openWhenFree(url: string): Promise<{ peer: RawPeer; waitedMs: number }> {
  const start = Date.now();
  for (;;) {
    try {
      return { peer: await openRaw(url), waitedMs: Date.now() - start };
    } catch (error) {
      if (!/upgrade refused: 503/.test(String(error))) throw error;
      if (Date.now() - start > LET_GO_MS) throw new Error(`still refused after ${LET_GO_MS} ms: the closed connection is held`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Retries `open` every 50 ms while the server answers 503, for at most 1 s. */
async function retried<T>(open: () => Promise<T>): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await open();
    } catch (error) {
      if (!/503/.test(String(error)) || Date.now() - start > 1_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * A WebSocket client by hand on a TCP socket, half-open allowed, so that it neither answers the
 * server's close nor ends its side until the test says. Resolves once the upgrade is accepted;
 * `closedBy` with the code of the server's close frame.
 */
function openByHand(httpUrl: string): Promise<{ socket: Socket; closedBy: Promise<number> }> {
  const { hostname, port, pathname } = new URL(httpUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    let closeCode: (code: number) => void = () => {};
    const closedBy = new Promise<number>((resolveCode) => (closeCode = resolveCode));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve({ socket, closedBy });
      }
      // The server's frames are unmasked; only the close frame matters here.
      while (buffer.length >= 2) {
        const length = buffer[1] & 0x7f;
        const header = length === 126 ? 4 : length === 127 ? 10 : 2;
        if (buffer.length < header) return;
        const size = length === 126 ? buffer.readUInt16BE(2) : length === 127 ? Number(buffer.readBigUInt64BE(2)) : length;
        if (buffer.length < header + size) return;
        if ((buffer[0] & 0x0f) === 0x8) closeCode(buffer.readUInt16BE(header));
        buffer = buffer.subarray(header + size);
      }
    });
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n`,
    );
  });
}

/** A client's text frame, masked as RFC 6455 requires of clients. */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header = Buffer.from([0x81, 0x80 | 126, 0, 0]);
  header.writeUInt16BE(payload.length, 2);
  return Buffer.concat([header, mask, Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]))]);
}

/** The header of a text frame over the limit: the server closes with 1009 before its payload. */
function oversizedHeader(): Buffer {
  const header = Buffer.from([0x81, 0x80 | 126, 0, 0]);
  header.writeUInt16BE(LIMIT + 1, 2);
  return Buffer.concat([header, randomBytes(4)]);
}

describe('a WebSocket connection the server closes while a call on it runs', () => {
  let served: Served;
  before(async () => {
    served = await startServe(['--http', '127.0.0.1:0'], {
      MCP__WEBSOCKET__ENABLED: 'true',
      MCP__WEBSOCKET__MAXMESSAGEBYTES: String(LIMIT),
      MCP__WEBSOCKET__MAXCONNECTIONSPERCLIENT: '1',
    });
  });
  after(async () => {
    assert.equal(served.process.exitCode, null, 'the server is still running');
    served.process.kill('SIGTERM');
    assert.equal(await served.exited, 0);
  });

  it('regression: is let go once its client has gone (1009 with a call running), not held for the 30 s closing timeout, so the client connects again at once', async () => {
    const url = served.url.replace(/^http/, 'ws');
    for (let round = 0; round < 3; round++) {
      // The previous round's connection, closed properly, may take a moment to be let go.
      const { socket, closedBy } = await retried(() => openByHand(served.url));
      // The call ends after the server has begun closing: its answer goes to a closing socket.
      socket.write(maskedText(JSON.stringify(modernCall(1, 'sleep', { ms: 200 }))));
      // Still sending when the server closes (the rest of a large message): what it has not read
      // when its reading pauses holds back the client's end.
      socket.write(oversizedHeader());
      const sending = setInterval(() => socket.write(Buffer.alloc(64 * 1024)), 5);
      assert.equal(await closedBy, 1009);
      await new Promise((resolve) => setTimeout(resolve, 500));
      clearInterval(sending);
      socket.destroy();
      const { peer, waitedMs } = await openWhenFree(url);
      assert.ok(waitedMs < LET_GO_MS, `round ${round}: waited ${waitedMs} ms`);
      peer.send(modernCall(2, 'echo', { text: 'served' }));
      assert.equal((await peer.next()).result.content[0].text, 'served');
      peer.socket.close();
      await peer.closed;
    }
  });
});

/** A client's text frame of any length, masked. */
function maskedLongText(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(payload.length), 2);
  for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
  return Buffer.concat([header, mask, payload]);
}

/** The frames of what a server sent (unmasked): each one's opcode and payload. */
function framesOf(bytes: Buffer): Array<{ opcode: number; payload: Buffer }> {
  const frames = [];
  for (let at = 0; at + 2 <= bytes.length; ) {
    const length = bytes[at + 1] & 0x7f;
    const header = length === 126 ? 4 : length === 127 ? 10 : 2;
    const size = length === 126 ? bytes.readUInt16BE(at + 2) : length === 127 ? Number(bytes.readBigUInt64BE(at + 2)) : length;
    if (at + header + size > bytes.length) break;
    frames.push({ opcode: bytes[at] & 0x0f, payload: bytes.subarray(at + header, at + header + size) });
    at += header + size;
  }
  return frames;
}

describe('SIGTERM with a WebSocket peer that never answers the close', () => {
  it('regression: a peer slow to read gets its whole last answer and the close (they were dropped with the connection as soon as its call was answered)', { timeout: 60_000 }, async () => {
    const served = await startServe(['--http', '127.0.0.1:0'], {
      MCP__WEBSOCKET__ENABLED: 'true',
      MCP__WEBSOCKET__MAXMESSAGEBYTES: String(32 * 1024 * 1024),
      MCP__SERVER__SHUTDOWNDEADLINEMS: '60000',
    });
    const { socket } = await openByHand(served.url);
    const received: Buffer[] = [];
    // Half-open allowed: the server's end of the connection is the end of what it sent.
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    try {
      // Not read for now: the answer, larger than the kernel's buffers, waits in the server.
      socket.removeAllListeners('data');
      socket.pause();
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      // Within the bytes a client may have in flight (16 MiB), far past what the kernel buffers.
      const text = 'x'.repeat(12 * 1024 * 1024);
      socket.write(maskedLongText(JSON.stringify(modernCall(1, 'echo', { text }))));
      // Time to take the request and answer it (about 0.1 s here).
      await new Promise((resolve) => setTimeout(resolve, 2000));
      served.process.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.resume();
      await ended;
      const frames = framesOf(Buffer.concat(received));
      const answer = frames.find((frame) => frame.opcode === 0x1);
      assert.ok(answer !== undefined, `a whole answer among ${frames.length} frames`);
      assert.equal(JSON.parse(answer.payload.toString()).result.content[0].text.length, text.length);
      const close = frames.find((frame) => frame.opcode === 0x8);
      assert.equal(close?.payload.readUInt16BE(0), 1001);
      assert.equal(await served.exited, 0);
    } finally {
      socket.destroy();
    }
  });


  it('drops the peer once the 2 s closing grace is over: the server exits 0, long before its shutdown deadline', async () => {
    const served = await startServe(['--http', '127.0.0.1:0'], { MCP__WEBSOCKET__ENABLED: 'true', MCP__SERVER__SHUTDOWNDEADLINEMS: '60000' });
    const { socket, closedBy } = await openByHand(served.url);
    try {
      const signalled = Date.now();
      served.process.kill('SIGTERM');
      assert.equal(await closedBy, 1001);
      assert.equal(await served.exited, 0);
      const took = Date.now() - signalled;
      // Waited for the closing handshake, then did not wait for ws's own 30 s timeout.
      assert.ok(took >= 1900 && took < 10_000, `exited ${took} ms after the signal`);
    } finally {
      socket.destroy();
    }
  });
});
