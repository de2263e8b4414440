/**
 * Files an operator names (config files, TLS certificates and keys, the client's credentials
 * and token store) are read whole, and a path to something without end or of any size (a
 * device such as /dev/zero or /dev/urandom, a log named by mistake, a file replaced by a huge
 * one) was read into memory until the process ran out of it. Here reading stops one byte past
 * the bound: the size a stat gives is not trusted (a device says 0).
 */

/** How much is read at a time: files named in settings are a few KiB. */
const CHUNK_BYTES = 64 * 1024;

/** A file past its bound; the message is `larger than N bytes`, for the caller to name the file. */
export class FileTooLarge extends Error {}

/**
 * The content of the file at `path`, of at most `maxBytes`; past it, a {@link FileTooLarge}.
 * A FIFO or a device is read as a file is.
 *
 * @example
 * const pem = await readFileUpTo('/etc/mcp/tls/server.crt', 4 * 1024 * 1024);
 */
export async function readFileUpTo(path: string, maxBytes: number): Promise<Buffer> {
  // Loaded at the first read, not with the module: config files are read on the startup path.
  const { open } = process.getBuiltinModule('node:fs/promises');
  const file = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - length));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks, length);
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) throw new FileTooLarge(`larger than ${maxBytes} bytes`);
    }
  } finally {
    await file.close();
  }
}
