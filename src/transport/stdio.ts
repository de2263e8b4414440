/**
 * The stdio binding, server side: newline-delimited JSON over the process's standard streams
 * (spec 2026-07-28, basic/transports/stdio). Logs belong on stderr, never stdout.
 */
import { StreamTransport, type StreamTransportOptions } from './stream.ts';
import { within } from './within.ts';

/**
 * Closing waits for the client to read what stdout still holds, as long as it keeps reading:
 * a client that took nothing for this long is not waited for (it may never read again, and
 * would keep the process from exiting).
 */
const STALLED_READER_MS = 2000;

/** The server's side: reads stdin, writes stdout. Closing stdin is the client's shutdown signal. */
export class StdioServerTransport extends StreamTransport {
  constructor(options: StreamTransportOptions = {}) {
    super(process.stdin, process.stdout, options);
  }

  /** stdout stays open for the process; only stop reading and flush what is queued. */
  protected override async closeStreams(): Promise<void> {
    process.stdin.pause();
    const stdout = process.stdout;
    if (stdout.writableLength > 0 && !stdout.destroyed) {
      // An empty write's callback comes once everything queued before it is written (or failed).
      const flushed = new Promise<boolean>((resolve) => stdout.write('', () => resolve(true)));
      let left = stdout.writableLength;
      while (!(await within(flushed, STALLED_READER_MS))) {
        const now = stdout.writableLength;
        if (now >= left) break;
        left = now;
      }
    }
    this.finish();
  }
}
