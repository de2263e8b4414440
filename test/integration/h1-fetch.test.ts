/**
 * The HTTP client's own HTTP/1.1 connections (h1-agent.ts) against real servers on 127.0.0.1:
 * keep-alive as the server allows it, every body framing, TLS with verification, and what a
 * hostile or broken server can do (garbage, a connection cut mid-answer, an answer that never
 * comes): each is a rejection or a broken body, never a crash or a reused bad connection.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Cancellation } from '../../src/protocol/cancellation.ts';
import { createH1Fetch } from '../../src/transport/http/undici-fetch.ts';
import { certificateDir, makeCa, makeCertificate } from '../helpers/certificates.ts';
import { ROOT } from '../helpers/processes.ts';

/** A server on 127.0.0.1 that counts the connections it accepted; its URL. */
async function listen(server: Server): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

/** A raw TCP server that answers each connection's first bytes with `answer` (then does as `then` says). */
async function rawServer(answer: string, then: 'close' | 'hold' = 'close'): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => {
      socket.write(answer);
      if (then === 'close') socket.end();
    });
    socket.on('error', () => {});
  });
  const { url } = await listen(server);
  return { url, server, sockets };
}

describe('h1 fetch: connections', () => {
  const fetch = createH1Fetch();
  let server: Server;
  let url: string;
  let connections: () => number;
  before(async () => {
    server = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      request.on('end', () => {
        if (request.url === '/close') response.setHeader('connection', 'close');
        if (request.url === '/short') response.setHeader('keep-alive', 'timeout=1');
        if (request.url === '/header') {
          response.end(request.headers['x-name']);
          return;
        }
        if (request.url === '/chunked') {
          response.write('part one, ');
          response.end('part two');
          return;
        }
        response.end(`${request.method} ${request.url}`);
      });
    });
    ({ url, connections } = await listen(server));
  });
  after(async () => {
    await fetch.close();
    server.close();
  });

  it('carries requests one after another on one kept-alive connection', async () => {
    const before = connections();
    for (let i = 0; i < 5; i++) assert.equal(await (await fetch(`${url}/same`, { method: 'POST', body: 'x' })).text(), 'POST /same');
    assert.equal(connections() - before, 1);
  });

  it('opens a connection per request the server asks to close, or keeps alive for less than a second', async () => {
    for (const path of ['/close', '/short']) {
      const own = createH1Fetch();
      const before = connections();
      for (let i = 0; i < 3; i++) assert.equal(await (await own(`${url}${path}`)).text(), `GET ${path}`);
      assert.equal(connections() - before, 3, path);
      await own.close();
    }
  });

  it('sends a header value of Latin-1 as Latin-1 bytes, beside a body in UTF-8', async () => {
    const response = await fetch(`${url}/header`, { method: 'POST', headers: { 'x-name': 'Ren\u00e9e' }, body: 'caf\u00e9 \u2615' });
    assert.equal(await response.text(), 'Ren\u00e9e');
  });

  it('reads a chunked body whole', async () => {
    assert.equal(await (await fetch(`${url}/chunked`)).text(), 'part one, part two');
  });

  it('refuses a keep-alive timeout no timer holds, or that is no duration', () => {
    for (const keepAliveTimeoutMs of [1e12, Number.NaN, -1]) assert.throws(() => createH1Fetch({ keepAliveTimeoutMs }), RangeError, String(keepAliveTimeoutMs));
  });

  it('refuses a header value that would split the request, sending nothing', async () => {
    const before = connections();
    await assert.rejects(fetch(`${url}/same`, { headers: { 'x-evil': 'a\r\nx-injected: 1' } }), (error: unknown) => error instanceof TypeError && /Invalid value of header x-evil/.test(String((error as Error).cause)));
    await assert.rejects(fetch(`${url}/same`, { headers: { 'bad name': 'a' } }), TypeError);
    assert.equal(connections(), before);
  });
});

describe('h1 fetch: hostile and broken servers', () => {
  const fetch = createH1Fetch();
  const servers: Server[] = [];
  after(async () => {
    await fetch.close();
    for (const server of servers) server.close();
  });

  it('rejects an answer that is not HTTP, naming why', async () => {
    const raw = await rawServer('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    servers.push(raw.server);
    await assert.rejects(fetch(raw.url), (error: unknown) => error instanceof TypeError && (error.cause as { code?: string }).code === 'ERR_HTTP_INVALID_RESPONSE');
  });

  it('rejects a connection closed before an answer', async () => {
    const raw = await rawServer('');
    servers.push(raw.server);
    await assert.rejects(fetch(raw.url), (error: unknown) => error instanceof TypeError && (error.cause as { code?: string }).code === 'ERR_CONNECTION_CLOSED');
  });

  it('breaks the body of an answer cut short, and reads one that runs until the close', async () => {
    const cut = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    const whole = await rawServer('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this');
    servers.push(cut.server, whole.server);
    await assert.rejects((await fetch(cut.url)).text(), /closed the connection/);
    assert.equal(await (await fetch(whole.url)).text(), 'all of this');
  });

  it('rejects with the caller\'s reason an answer that never comes, and closes its connection', async () => {
    const silent = await rawServer('', 'hold');
    servers.push(silent.server);
    const cancellation = new Cancellation();
    const pending = fetch(silent.url, { method: 'POST', body: '{}', cancellation } as RequestInit);
    while (silent.sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const reason = new Error('the caller left');
    cancellation.cancel(reason);
    await assert.rejects(pending, (error: unknown) => error === reason);
    await new Promise<void>((resolve) => (silent.sockets[0].destroyed ? resolve() : silent.sockets[0].once('close', () => resolve())));
  });

  it('does not reuse a connection that sent bytes after its answer', async () => {
    const extra = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforged', 'hold');
    servers.push(extra.server);
    // The answer is read whole; the forged one after it closes the connection instead of
    // waiting there as the answer to the next request.
    assert.equal(await (await fetch(extra.url)).text(), 'ok');
    assert.equal(await (await fetch(extra.url)).text(), 'ok');
    assert.equal(extra.sockets.length, 2);
  });
});

describe('h1 fetch: https', () => {
  it('verifies the server\'s certificate: trusted through NODE_EXTRA_CA_CERTS, refused otherwise', async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'ca');
    const pem = await makeCertificate(dir, ca, 'server', 'server');
    const server = createHttpsServer({ cert: pem.cert, key: pem.key }, (request, response) => {
      request.resume();
      response.end(`secure ${request.method}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const fetch = createH1Fetch();
      await assert.rejects(fetch(url), (error: unknown) => error instanceof TypeError && typeof (error.cause as { code?: string }).code === 'string');
      await fetch.close();
      const printed = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['--input-type=module', '-e', `import { createH1Fetch } from '${ROOT}/src/transport/http/undici-fetch.ts'; const f = createH1Fetch(); const r = await f(${JSON.stringify(url)}, { method: 'POST', body: 'x' }); console.log(r.status, await r.text()); await f.close();`], { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certFile }, timeout: 20_000 }, (error, stdout, stderr) =>
          error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`)),
        ),
      );
      assert.equal(printed.trim(), '200 secure POST');
    } finally {
      server.close();
    }
  });
});
