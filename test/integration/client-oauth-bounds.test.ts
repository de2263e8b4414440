/**
 * The authorization server is named by the MCP server's metadata, so it may be anyone's: an
 * answer that never ends, or declares a huge length, is refused past 1 MiB (its connection
 * closed) instead of being held for the request's 30 s timeout. A real HTTP server on
 * 127.0.0.1 plays the authorization server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Discovery } from '../../src/client/auth/discovery.ts';
import { MAX_ANSWER_BYTES } from '../../src/client/auth/json-answer.ts';
import type { AuthorizationServerMetadata } from '../../src/client/auth/metadata.ts';
import { requestToken } from '../../src/client/auth/token-endpoint.ts';

describe('answers of an authorization server, read up to a bound', () => {
  let server: Server;
  let issuer: string;
  /** Each endless answer: the bytes it wrote before its connection was closed. */
  const written: Array<Promise<number>> = [];

  /** 64 MiB of JSON in about 64 KiB of gzip. */
  const bomb = gzipSync(Buffer.concat([Buffer.from('{"access_token":"'), Buffer.alloc(64 * MAX_ANSWER_BYTES, 'a'), Buffer.from('"}')]));

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/gzip/token') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
        return;
      }
      if (req.url === '/declared/token') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * MAX_ANSWER_BYTES) }).write('{"access_token":"');
        return;
      }
      // Everything else: a JSON string that never ends, a chunk whenever the last one drained.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const more = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      };
      res.write('{"issuer":"');
      res.on('drain', more);
      written.push(new Promise((resolve) => res.on('close', () => resolve(sent))));
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('metadata that never ends', async () => {
    await assert.rejects(new Discovery({ fetch }).authorizationServer(issuer), {
      name: 'OAuthError',
      message: `Metadata request to ${issuer}/.well-known/oauth-authorization-server: the answer holds more than ${MAX_ANSWER_BYTES} bytes`,
    });
  });

  it('a token answer that never ends, and one that declares 10 MiB', async () => {
    const metadata = { issuer, token_endpoint: `${issuer}/token` } as AuthorizationServerMetadata;
    const params = { grant_type: 'client_credentials' };
    await assert.rejects(requestToken({ fetch, server: metadata, params }), { name: 'OAuthError', message: `Token request ("client_credentials") to ${issuer}/token: the answer holds more than 1048576 bytes` });
    await assert.rejects(requestToken({ fetch, server: metadata, params, endpoint: `${issuer}/declared/token` }), { name: 'OAuthError', message: /the answer holds more than 1048576 bytes$/ });
  });

  it('closes the connection of an answer it refused', async () => {
    // Past the bound nothing more is read: each endless answer's connection closes after about
    // as much as the bound and the sockets' buffers hold.
    assert.equal(written.length, 2);
    for (const bytes of await Promise.all(written)) assert.ok(bytes < 16 * MAX_ANSWER_BYTES, `${bytes} bytes written`);
  });

  it('regression: a gzip answer that declares its 64 KiB and inflates to 64 MiB is refused at 1 MiB, not read whole', async () => {
    // fetch inflates the body; its Content-Length is the compressed size, so it bounds nothing.
    assert.ok(bomb.length < MAX_ANSWER_BYTES);
    const metadata = { issuer, token_endpoint: `${issuer}/gzip/token` } as AuthorizationServerMetadata;
    await assert.rejects(requestToken({ fetch, server: metadata, params: { grant_type: 'client_credentials' } }), {
      name: 'OAuthError',
      message: `Token request ("client_credentials") to ${issuer}/gzip/token: the answer holds more than 1048576 bytes`,
    });
  });
});
