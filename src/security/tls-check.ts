/**
 * Whether TLS files make a usable context, and if not, which file is at fault and why.
 *
 * OpenSSL's own errors name neither the file nor the setting (`PEM routines::no start line`,
 * `key values mismatch`), and it takes certificate authorities it cannot read as none at all:
 * a `caFile` of garbage, cut short, or with a certificate damaged in the middle, made a
 * context that trusts nothing (every mTLS client refused), without a word, at start and at a
 * reload alike. Here each file is checked on its own when the whole fails, every
 * certificate block is read, and the server's certificate must not have expired.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** One PEM file's content and the setting that names it. */
export interface PemFile {
  setting: string;
  path: string;
  pem: Buffer;
}

const BEGIN = /-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----/g;
const BLOCK = /-----BEGIN ((?:TRUSTED |X509 )?CERTIFICATE)-----[^-]*-----END \1-----/g;

/** OpenSSL's reason without its code: `error:0480006C:PEM routines::no start line` is `no start line`. */
function reason(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return message.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
}

/**
 * Throws unless `file` holds one PEM certificate or more, each of them whole and readable.
 * Returns the first, parsed (undefined when it is in one of OpenSSL's own forms).
 */
export function checkCertificates(file: PemFile): X509Certificate | undefined {
  const text = file.pem.toString('latin1');
  const begun = text.match(BEGIN)?.length ?? 0;
  if (begun === 0) throw new Error(`${file.setting} ${file.path} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`);
  const blocks = [...text.matchAll(BLOCK)];
  let first: X509Certificate | undefined;
  blocks.forEach((block, index) => {
    // Other labels (TRUSTED CERTIFICATE) are OpenSSL's own forms, left to it.
    if (block[1] !== 'CERTIFICATE') return;
    try {
      const certificate = new X509Certificate(block[0]);
      if (index === 0) first = certificate;
    } catch (error) {
      throw new Error(`${file.setting} ${file.path}: certificate ${index + 1} of ${begun} does not parse (${reason(error)})`);
    }
  });
  if (blocks.length < begun) throw new Error(`${file.setting} ${file.path}: certificate ${blocks.length + 1} of ${begun} is cut short (no END line)`);
  return first;
}

/**
 * Throws when the server's certificate has expired: every client would refuse it, with an
 * error of its own TLS stack that names no file, so a renewal that wrote an old certificate
 * back would put the server out of service. One not valid yet is let through: a clock a few
 * minutes behind the issuer's would have a fresh certificate refused, and its reload never
 * tried again (the file does not change).
 */
function checkNotExpired(file: PemFile, leaf: X509Certificate | undefined): void {
  if (leaf !== undefined && leaf.validToDate.getTime() < Date.now()) {
    throw new Error(`${file.setting} ${file.path}: the certificate expired on ${leaf.validToDate.toISOString()}`);
  }
}

/**
 * Throws, naming the file at fault, unless the options make a TLS context: the certificate
 * chain, then the key (with its passphrase), then their pairing, then the authorities.
 */
export function checkTlsContext(options: SecureContextOptions, cert: PemFile, key: PemFile, ca: PemFile | undefined): void {
  checkNotExpired(cert, checkCertificates(cert));
  // Authorities are left as they are: a bundle often holds some that expired.
  if (ca !== undefined) checkCertificates(ca);
  try {
    createSecureContext(options);
    return;
  } catch (whole) {
    const alone = (part: SecureContextOptions): unknown => {
      try {
        createSecureContext(part);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    const certError = alone({ cert: options.cert });
    if (certError !== undefined) throw new Error(`${cert.setting} ${cert.path} is not a usable certificate chain (${reason(certError)})`);
    const keyError = alone({ key: options.key, passphrase: options.passphrase });
    if (keyError !== undefined) throw new Error(`${key.setting} ${key.path} is not a usable private key (${reason(keyError)})`);
    const caError = ca === undefined ? undefined : alone({ ca: options.ca });
    if (caError !== undefined) throw new Error(`${ca!.setting} ${ca!.path} is not usable (${reason(caError)})`);
    throw new Error(`${key.setting} ${key.path} is not the key of the certificate in ${cert.setting} ${cert.path} (${reason(whole)})`);
  }
}
