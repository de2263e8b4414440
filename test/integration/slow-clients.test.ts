/**
 * Slow clients (slowloris): connections that dribble their headers or body, or send nothing,
 * do not keep the server from answering others, and are cut with 408 once
 * http.headersTimeoutMs / http.requestTimeoutMs pass.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { callTool } from '../helpers/http.ts';
import { startServe } from '../helpers/served.ts';

interface SlowClient {
  socket: Socket;
  /** Everything the server sent, once it closed the connection. */
  closed: Promise<string>;
}

/** Connects and writes `first`, then `drip` every 100 ms until the server closes the connection. */
function slowClient(url: URL, first: string, drip: string): SlowClient {
  const socket = connect(Number(url.port), url.hostname);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  if (first !== '') socket.write(first);
  const timer = drip === '' ? undefined : setInterval(() => socket.writable && socket.write(drip), 100);
  const closed = new Promise<string>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(received);
    }),
  );
  return { socket, closed };
}

describe('slow clients', () => {
  it('slowloris connections do not stop the server answering others, and are cut with 408 after the timeout', async () => {
    const server = await startServe(['--http', '127.0.0.1:0'], { MCP__HTTP__HEADERSTIMEOUTMS: '1500', MCP__HTTP__REQUESTTIMEOUTMS: '3000' });
    const url = new URL(server.url);
    const head = `POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n`;
    try {
      const clients = [
        ...Array.from({ length: 20 }, () => slowClient(url, head, 'X-Slow: 1\r\n')),
        ...Array.from({ length: 5 }, () => slowClient(url, '', '')),
        ...Array.from({ length: 5 }, () => slowClient(url, `${head}Content-Length: 100000\r\n\r\n{`, ' ')),
      ];
      await Promise.all(clients.map(({ socket }) => new Promise((resolve) => (socket.readyState === 'open' ? resolve(undefined) : socket.once('connect', resolve)))));
      for (let i = 0; i < 10; i++) {
        const answer = await callTool(server.url, i, 'echo', { text: `served ${i}` });
        assert.equal(answer.json.result.content[0].text, `served ${i}`);
      }
      const received = await Promise.all(clients.map((client) => client.closed));
      for (const text of received) assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.equal((await callTool(server.url, 99, 'echo', { text: 'still here' })).json.result.content[0].text, 'still here');
    } finally {
      server.process.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
  });
});
