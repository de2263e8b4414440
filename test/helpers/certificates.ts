/**
 * Certificates made for a test with openssl (Debian's; .ci/run installs it): a CA, and
 * server or client certificates it signs. EC P-256 keys, valid for two days.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface Pem {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export async function certificateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mcp-core-tls-'));
}

export async function makeCa(dir: string, name: string): Promise<Pem> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', ...EC, '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${name}`, '-days', '2']);
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

/**
 * A certificate signed by `ca`, for a server on 127.0.0.1 / localhost or for a client, valid
 * for `days` (-1: it expired a day ago).
 */
export async function makeCertificate(dir: string, ca: Pem, name: string, use: 'server' | 'client', days = 2): Promise<Pem> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extensions = join(dir, `${name}.ext`);
  await writeFile(extensions, use === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
  await run('openssl', ['req', ...EC, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', String(days), '-extfile', extensions]);
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}
