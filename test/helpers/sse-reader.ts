/** Reads an SSE response event by event, as a client does while the stream is still open. */
import { SseParser, type SseEvent } from '../../src/transport/http/sse-parser.ts';

export class SseReader {
  readonly parser = new SseParser();
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #events: SseEvent[] = [];
  ended = false;

  constructor(response: Response) {
    this.#reader = response.body!.getReader();
  }

  /** The next event, or undefined when the stream ends first. */
  async next(): Promise<SseEvent | undefined> {
    while (this.#events.length === 0) {
      if (this.ended) return undefined;
      const { done, value } = await this.#reader.read();
      if (done) {
        this.ended = true;
        return undefined;
      }
      this.#events.push(...this.parser.push(this.#decoder.decode(value, { stream: true })));
    }
    return this.#events.shift();
  }

  /** The next event that carries a message, parsed. */
  async nextMessage(): Promise<any> {
    for (;;) {
      const event = await this.next();
      if (event === undefined) return undefined;
      if (event.data !== '') return JSON.parse(event.data);
    }
  }

  /** Every message left, once the stream ends. */
  async rest(): Promise<any[]> {
    const messages = [];
    for (let message = await this.nextMessage(); message !== undefined; message = await this.nextMessage()) messages.push(message);
    return messages;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}
