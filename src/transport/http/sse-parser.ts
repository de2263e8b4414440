/**
 * A streaming parser for Server-Sent Events (the parts MCP uses: `id`, `event`, `data`,
 * `retry`, comments), fed text chunks as they arrive.
 */

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export class SseParser {
  #buffer: string;
  #data: string[];
  #event: string;
  #id: string | undefined;
  /** Characters of `data` gathered for the event being read. */
  #dataSize: number;
  /** The last `retry` value the server sent, in ms. */
  retryMs: number | undefined;
  /** The last event id seen, for Last-Event-ID. */
  lastEventId: string | undefined;

  constructor() {
    this.#buffer = '';
    this.#data = [];
    this.#event = '';
    this.#id = undefined;
    this.#dataSize = 0;
    this.retryMs = undefined;
    this.lastEventId = undefined;
  }

  /** Characters held for the event not yet complete: the caller bounds it. */
  get buffered(): number {
    return this.#buffer.length + this.#dataSize;
  }

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    this.#buffer += chunk;
    let start = 0;
    for (;;) {
      const newline = this.#buffer.indexOf('\n', start);
      if (newline === -1) break;
      let line = this.#buffer.slice(start, newline);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      start = newline + 1;
      if (line === '') {
        if (this.#data.length > 0 || this.#id !== undefined) {
          if (this.#id !== undefined) this.lastEventId = this.#id;
          if (this.#data.length > 0) events.push({ id: this.#id, event: this.#event || 'message', data: this.#data.join('\n') });
        }
        this.#data = [];
        this.#dataSize = 0;
        this.#event = '';
        this.#id = undefined;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') {
        this.#data.push(value);
        this.#dataSize += value.length;
      }
      else if (field === 'event') this.#event = value;
      else if (field === 'id') this.#id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }
}
