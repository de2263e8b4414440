/**
 * Whether TLS files make a usable context, and if not, which file is at fault and why.
 *
 * OpenSSL's own errors name neither the file nor the setting (`PEM routines::no start line`,
 * `key values mismatch`), and it takes certificate authorities it cannot read as none at all:
 * a `caFile` of garbage, cut short, or with a certificate damaged in the middle, made a
 * context that trusts nothing (every mTLS client refused), without a word, at start and at a
 * reload alike. Here each file is checked on its own when the whole fails, and every
 * certificate block is read.
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

/** Throws unless `file` holds one PEM certificate or more, each of them whole and readable. */
export function checkCertificates(file: PemFile): void {
  const text = file.pem.toString('latin1');
  const begun = text.match(BEGIN)?.length ?? 0;
  if (begun === 0) throw new Error(`${file.setting} ${file.path} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)`);
  const blocks = [...text.matchAll(BLOCK)];
  blocks.forEach((block, index) => {
    // Other labels (TRUSTED CERTIFICATE) are OpenSSL's own forms, left to it.
    if (block[1] !== 'CERTIFICATE') return;
    try {
      new X509Certificate(block[0]);
    } catch (error) {
      throw new Error(`${file.setting} ${file.path}: certificate ${index + 1} of ${begun} does not parse (${reason(error)})`);
    }
  });
  if (blocks.length < begun) throw new Error(`${file.setting} ${file.path}: certificate ${blocks.length + 1} of ${begun} is cut short (no END line)`);
}

/**
 * Throws, naming the file at fault, unless the options make a TLS context: the certificate
 * chain, then the key (with its passphrase), then their pairing, then the authorities.
 */
export function checkTlsContext(options: SecureContextOptions, cert: PemFile, key: PemFile, ca: PemFile | undefined): void {
  checkCertificates(cert);
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
