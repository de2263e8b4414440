/**
 * HTTPS for `mcp-core serve` from the `tls` settings: the certificate files, client
 * certificates (mTLS), and reloading the files when they change on disk.
 */
import type { Server } from 'node:http';
import type { Server as TlsServer, TlsOptions } from 'node:tls';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../config/config.ts';
import { readTlsFiles, stampTlsFiles, watchTlsFiles, type TlsFiles } from '../security/tls.ts';
import { notices } from './notices.ts';

type TlsSettings = Config['tls'];

function filesOf(settings: TlsSettings): TlsFiles {
  return { certFile: settings.certFile!, keyFile: settings.keyFile!, caFile: settings.caFile, passphrase: settings.passphrase };
}

export interface Https {
  /** The listener's TLS options. */
  options: TlsOptions;
  /** Watches the files and puts a changed certificate in service. Returns what stops watching. */
  reloadOnChange(server: Server): () => void;
}

/**
 * The listener's TLS options, and the watch of their files from the moment they were read;
 * a file that cannot be read or used is a configuration error.
 */
export async function https(settings: TlsSettings): Promise<Https> {
  const files = filesOf(settings);
  const since = stampTlsFiles(files);
  let options: TlsOptions;
  try {
    // Fail here, naming the file at fault, rather than inside the listener.
    options = await readTlsFiles(files);
  } catch (error) {
    throw new ConfigError(`tls: ${(error as Error).message}`);
  }
  if (settings.clientCertificates !== 'none') {
    options.requestCert = true;
    options.rejectUnauthorized = settings.clientCertificates === 'required';
  }
  const reloadOnChange = (server: Server) =>
    watchTlsFiles(files, since, {
      intervalMs: settings.reloadCheckMs,
      apply: (context) => (server as unknown as TlsServer).setSecureContext(context),
      // Certificate changes are for the operator: written at the default level, warn.
      report: (message) => notices().warn({ component: 'tls' }, message),
    });
  return { options, reloadOnChange };
}
