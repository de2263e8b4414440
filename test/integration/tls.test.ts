/**
 * HTTPS with certificates made in the test: a handshake and an MCP call, the certificate
 * replaced on disk and served without a restart, client certificates required (mTLS), and
 * unusable files refused as configuration errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import { MODERN_META } from '../helpers/http.ts';
import { certificateDir, makeCa, makeCertificate, type Pem } from '../helpers/certificates.ts';
import { CLI } from '../helpers/processes.ts';
import { startServe } from '../helpers/served.ts';
import { stampTlsFiles, watchTlsFiles } from '../../src/security/tls.ts';

const run = promisify(execFile);

interface TlsAnswer {
  status: number;
  json: any;
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint: string;
}

/** A modern echo call over HTTPS on a new connection, trusting `ca`, presenting `client` if given. */
function echoOverTls(url: string, ca: Buffer, client?: Pem): Promise<TlsAnswer> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'over tls' }, _meta: MODERN_META } });
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, ca, cert: client?.cert, key: client?.key, agent: false }, (res) => {
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text), fingerprint }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function fingerprintOf(pem: Pem): string {
  return new X509Certificate(pem.cert).fingerprint256;
}

/** Files a server is started from (copies of `pem`'s), checked for changes every 50 ms. */
async function servedFiles(dir: string, pem: Pem): Promise<{ certFile: string; keyFile: string; env: Record<string, string> }> {
  const certFile = join(dir, 'served.crt');
  const keyFile = join(dir, 'served.key');
  await copyFile(pem.certFile, certFile);
  await copyFile(pem.keyFile, keyFile);
  return { certFile, keyFile, env: { MCP__TLS__CERTFILE: certFile, MCP__TLS__KEYFILE: keyFile, MCP__TLS__RELOADCHECKMS: '50' } };
}

/** Renewal as a deployment does it: new files renamed into place, the key first. */
async function renew(served: { certFile: string; keyFile: string }, pem: Pem): Promise<void> {
  await copyFile(pem.keyFile, `${served.keyFile}.new`);
  await copyFile(pem.certFile, `${served.certFile}.new`);
  await rename(`${served.keyFile}.new`, served.keyFile);
  await rename(`${served.certFile}.new`, served.certFile);
}

describe('TLS', () => {
  it('serves MCP over HTTPS and takes a renewed certificate without a restart', async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'test-ca');
    const first = await makeCertificate(dir, ca, 'server-1', 'server');
    const second = await makeCertificate(dir, ca, 'server-2', 'server');
    const served = await servedFiles(dir, first);
    const server = await startServe(['--http', '127.0.0.1:0'], served.env);
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const before = await echoOverTls(server.url, ca.cert);
      assert.equal(before.json.result.content[0].text, 'over tls');
      assert.equal(before.fingerprint, fingerprintOf(first));
      await assert.rejects(echoOverTls(server.url, (await makeCa(dir, 'other-ca')).cert), /self[- ]signed|unable to verify|unknown ca/i, 'a client that does not trust the CA refuses the server');

      await renew(served, second);
      await server.stderrLine(/TLS certificate reloaded/);
      const after = await echoOverTls(server.url, ca.cert);
      assert.equal(after.fingerprint, fingerprintOf(second), 'the new certificate is served');
      assert.equal(after.json.result.content[0].text, 'over tls');
      assert.equal(server.process.exitCode, null, 'the same process, never restarted');
    } finally {
      server.process.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
  });

  it('a certificate replaced between the reading of the files and the first check is put in service', async () => {
    // The watch compared each check with the one before (fs.watchFile), and its first stat
    // ran on the thread pool after the server had started: a file replaced in between was
    // taken as the starting point, and never put in service.
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'test-ca');
    const first = await makeCertificate(dir, ca, 'server-1', 'server');
    const second = await makeCertificate(dir, ca, 'server-2', 'server');
    const files = { certFile: join(dir, 'served.crt'), keyFile: join(dir, 'served.key') };
    await copyFile(first.certFile, files.certFile);
    await copyFile(first.keyFile, files.keyFile);
    const since = stampTlsFiles(files);
    await copyFile(second.keyFile, `${files.keyFile}.new`);
    await copyFile(second.certFile, `${files.certFile}.new`);
    await rename(`${files.keyFile}.new`, files.keyFile);
    await rename(`${files.certFile}.new`, files.certFile);
    let applied: SecureContextOptions | undefined;
    const reported = new Promise<string>((resolve) => {
      const stop = watchTlsFiles(files, since, {
        intervalMs: 20,
        apply: (options) => (applied = options),
        report: (message) => {
          stop();
          resolve(message);
        },
      });
    });
    assert.match(await reported, /TLS certificate reloaded/);
    assert.deepEqual(applied?.cert, second.cert);
  });

  it('keeps the certificate in service while a changed one does not load', async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'test-ca');
    const first = await makeCertificate(dir, ca, 'server-1', 'server');
    const other = await makeCertificate(dir, ca, 'server-2', 'server');
    const certFile = join(dir, 'served.crt');
    await copyFile(first.certFile, certFile);
    const server = await startServe(['--http', '127.0.0.1:0'], { MCP__TLS__CERTFILE: certFile, MCP__TLS__KEYFILE: first.keyFile, MCP__TLS__RELOADCHECKMS: '50' });
    try {
      // A certificate whose key is not (yet) beside it.
      await copyFile(other.certFile, `${certFile}.new`);
      await rename(`${certFile}.new`, certFile);
      assert.match(await server.stderrLine(/TLS reload failed/), /the previous certificate stays in service/);
      assert.equal((await echoOverTls(server.url, ca.cert)).fingerprint, fingerprintOf(first));
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  it('regression: an expired certificate is refused at start (exit 2) and at a reload, the certificate in service kept (it was put in service, and every client refused it)', async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'test-ca');
    const first = await makeCertificate(dir, ca, 'server-1', 'server');
    const expired = await makeCertificate(dir, ca, 'expired', 'server', -1);
    const started = (await run(process.execPath, [CLI, 'serve', '--http', '127.0.0.1:0'], { env: { ...process.env, MCP__TLS__CERTFILE: expired.certFile, MCP__TLS__KEYFILE: expired.keyFile } }).catch((e) => e)) as { code: number; stderr: string };
    assert.equal(started.code, 2);
    assert.match(started.stderr, /^mcp-core: tls: tls\.certFile .*expired\.crt: the certificate expired on \d{4}-\d\d-\d\dT/);
    const served = await servedFiles(dir, first);
    const server = await startServe(['--http', '127.0.0.1:0'], served.env);
    try {
      // One reload may fail on the pair half-written, the last on the expiry.
      await renew(served, expired);
      assert.match(await server.stderrLine(/TLS reload failed.*expired on/), /the previous certificate stays in service: tls\.certFile .*served\.crt: the certificate expired on/);
      assert.equal((await echoOverTls(server.url, ca.cert)).fingerprint, fingerprintOf(first));
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  it('with clientCertificates: required, refuses a client without a certificate signed by caFile (mTLS), and keeps caFile in service while a change to it is cut short', async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'test-ca');
    const serverPem = await makeCertificate(dir, ca, 'server', 'server');
    const client = await makeCertificate(dir, ca, 'client', 'client');
    const strangerCa = await makeCa(dir, 'stranger-ca');
    const stranger = await makeCertificate(dir, strangerCa, 'stranger', 'client');
    const caFile = join(dir, 'clients-ca.crt');
    await copyFile(ca.certFile, caFile);
    const server = await startServe(['--http', '127.0.0.1:0'], {
      MCP__TLS__CERTFILE: serverPem.certFile,
      MCP__TLS__KEYFILE: serverPem.keyFile,
      MCP__TLS__CAFILE: caFile,
      MCP__TLS__CLIENTCERTIFICATES: 'required',
      MCP__TLS__RELOADCHECKMS: '50',
    });
    try {
      assert.equal((await echoOverTls(server.url, ca.cert, client)).json.result.content[0].text, 'over tls');
      await assert.rejects(echoOverTls(server.url, ca.cert), /certificate required|socket hang up|ECONNRESET/i);
      await assert.rejects(echoOverTls(server.url, ca.cert, stranger), /unknown ca|socket hang up|ECONNRESET/i);
      // The server goes on serving after refusing.
      assert.equal((await echoOverTls(server.url, ca.cert, client)).status, 200);

      // OpenSSL takes text it cannot read as no authorities at all: a caFile cut short was put
      // in service ("TLS certificate reloaded") and every client certificate refused after it.
      await writeFile(`${caFile}.new`, ca.cert.subarray(0, ca.cert.length >> 1));
      await rename(`${caFile}.new`, caFile);
      const refused = await server.stderrLine(/TLS (reload failed|certificate reloaded)/);
      assert.match(refused, /TLS reload failed, the previous certificate stays in service: tls\.caFile .*clients-ca\.crt: certificate 1 of 1 is cut short/);
      assert.equal((await echoOverTls(server.url, ca.cert, client)).status, 200, 'the client is still trusted');
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  it('refuses unusable TLS files as configuration errors (exit 2), a path to /dev/zero included (regression: it was read until memory ran out)', async () => {
    const dir = await certificateDir();
    const ca = await makeCa(dir, 'test-ca');
    const one = await makeCertificate(dir, ca, 'one', 'server');
    const two = await makeCertificate(dir, ca, 'two', 'server');
    const serve = (env: Record<string, string>) =>
      run(process.execPath, [CLI, 'serve', '--http', '127.0.0.1:0'], { env: { ...process.env, ...env } }).catch((e: { code: number; stderr: string }) => e);
    const missing = (await serve({ MCP__TLS__CERTFILE: join(dir, 'nope.crt'), MCP__TLS__KEYFILE: one.keyFile })) as { code: number; stderr: string };
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /tls: cannot read tls\.certFile .*nope\.crt/);
    const mismatch = (await serve({ MCP__TLS__CERTFILE: one.certFile, MCP__TLS__KEYFILE: two.keyFile })) as { code: number; stderr: string };
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /^mcp-core: tls: tls\.keyFile .*two\.key is not the key of the certificate in tls\.certFile .*one\.crt \(key values mismatch\)/);
    const checked = (await run(process.execPath, [CLI, 'config', 'check', '/dev/null'], { env: { ...process.env, MCP__TLS__CERTFILE: one.certFile, MCP__TLS__KEYFILE: two.keyFile } }).catch((e) => e)) as { code: number; stderr: string };
    assert.equal(checked.code, 2, 'config check loads the TLS files as serve would');
    assert.match(checked.stderr, /tls: .*key values mismatch/);
    const check = (env: Record<string, string>) =>
      run(process.execPath, [CLI, 'config', 'check', '/dev/null'], { env: { ...process.env, MCP__TLS__CERTFILE: one.certFile, MCP__TLS__KEYFILE: one.keyFile, ...env } }).catch((e) => e) as Promise<{ code: number; stderr: string }>;
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate\n');
    // A caFile OpenSSL reads as no authorities: it was taken, and every client refused.
    const noCa = await check({ MCP__TLS__CAFILE: garbage, MCP__TLS__CLIENTCERTIFICATES: 'required' });
    assert.equal(noCa.code, 2);
    assert.match(noCa.stderr, /^mcp-core: tls: tls\.caFile .*garbage\.pem holds no PEM certificate/);
    const garbageCert = await check({ MCP__TLS__CERTFILE: garbage });
    assert.equal(garbageCert.code, 2);
    assert.match(garbageCert.stderr, /^mcp-core: tls: tls\.certFile .*garbage\.pem holds no PEM certificate/);
    // A path to a device without end: read up to the bound (4 MiB), not until memory runs out.
    for (const setting of ['CERTFILE', 'KEYFILE', 'CAFILE']) {
      const endless = await check({ [`MCP__TLS__${setting}`]: '/dev/zero' });
      assert.equal(endless.code, 2, setting);
      assert.match(endless.stderr, /^mcp-core: tls: cannot read tls\.\w+ \/dev\/zero: larger than 4194304 bytes/, setting);
    }
    const garbageKey = await check({ MCP__TLS__KEYFILE: garbage });
    assert.equal(garbageKey.code, 2);
    assert.match(garbageKey.stderr, /^mcp-core: tls: tls\.keyFile .*garbage\.pem is not a usable private key/);
    const halfSet = (await serve({ MCP__TLS__CERTFILE: one.certFile })) as { code: number; stderr: string };
    assert.equal(halfSet.code, 2);
    assert.match(halfSet.stderr, /MCP__TLS__CERTFILE: tls\.certFile needs tls\.keyFile as well/);
  });
});
