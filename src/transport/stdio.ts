/**
 * The stdio binding, server side: newline-delimited JSON over the process's standard streams
 * (spec 2026-07-28, basic/transports/stdio). Logs belong on stderr, never stdout.
 */
import { StreamTransport, type StreamTransportOptions } from './stream.ts';

/** The server's side: reads stdin, writes stdout. Closing stdin is the client's shutdown signal. */
export class StdioServerTransport extends StreamTransport {
  constructor(options: StreamTransportOptions = {}) {
    super(process.stdin, process.stdout, options);
  }

  /** stdout stays open for the process; only stop reading and flush what is queued. */
  protected override async closeStreams(): Promise<void> {
    process.stdin.pause();
    await new Promise<void>((resolve) => {
      if (process.stdout.writableLength === 0) resolve();
      else process.stdout.once('drain', () => resolve());
    });
    this.finish();
  }
}
