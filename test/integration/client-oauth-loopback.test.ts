/**
 * The loopback listener of a sign-in (`LoopbackAuthorizer`, what `mcp-core login` waits on) once
 * the sign-in is over: a browser keeps connections to it open (one kept alive after an answer,
 * one opened ahead of a request that never comes), and the listener must not wait for them to
 * close, which held the process until the server's headers timeout. Real sockets on 127.0.0.1
 * play the browser. Requests from elsewhere to the listener: client-oauth-hostile.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { LoopbackAuthorizer } from '../../src/client/auth/loopback-authorizer.ts';

/** An authorization URL carrying a state, as the grant builds it. */
const AUTHORIZATION_URL = new URL('https://as.example/authorize?state=expected');

/**
 * A browser's connection to `port`: opened ahead of any request, waiting for an answer, or kept
 * alive after one.
 */
async function browserConnection(port: number, kind: 'preconnect' | 'waiting' | 'keep-alive'): Promise<{ socket: Socket; closed: Promise<unknown> }> {
  const socket = connect(port, '127.0.0.1');
  // The listener ends it: a reset is how it may end, not a failure (once() would reject on it).
  socket.on('error', () => undefined);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await once(socket, 'connect');
  if (kind === 'preconnect') return { socket, closed };
  socket.write(`GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
  if (kind === 'keep-alive') {
    const [answer] = (await once(socket, 'data')) as [Buffer];
    assert.match(answer.toString(), /^HTTP\/1\.1 404 /);
  }
  return { socket, closed };
}

/** Whether a new server can listen on `port` (the listener let it go). */
async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

// Before the fix, these connections stayed open until the headers timeout (60 s and more): a
// deadline far below it, far above what closing takes, tells the two apart.
describe('the loopback listener once its sign-in is over', { timeout: 20_000 }, () => {
  test('regression: authorize() ends the connections a browser keeps open, after the page reached it whole', async () => {
    let connections: Array<{ closed: Promise<unknown> }> = [];
    let page = '';
    const authorizer = new LoopbackAuthorizer({
      open: async () => {
        const port = Number(new URL(await authorizer.redirectUri()).port);
        connections = [await browserConnection(port, 'preconnect'), await browserConnection(port, 'keep-alive')];
        const response = await fetch(`${await authorizer.redirectUri()}?state=expected&code=good`);
        page = await response.text();
      },
    });
    const port = Number(new URL(await authorizer.redirectUri()).port);
    const received = await authorizer.authorize(AUTHORIZATION_URL);
    assert.equal(received.searchParams.get('code'), 'good');
    assert.match(page, /You can close this window/);
    await Promise.all(connections.map((connection) => connection.closed));
    assert.equal(await portIsFree(port), true);
  });

  test('regression: close() of a sign-in abandoned before it began resolves with browser connections still open, and frees the port', async () => {
    const authorizer = new LoopbackAuthorizer();
    const port = Number(new URL(await authorizer.redirectUri()).port);
    // Nothing answers before the sign-in begins: the request waits.
    const connections = [await browserConnection(port, 'preconnect'), await browserConnection(port, 'waiting')];
    await authorizer.close();
    await Promise.all(connections.map((connection) => connection.closed));
    assert.equal(await portIsFree(port), true);
    // Closed twice: nothing more to do.
    await authorizer.close();
  });
});
