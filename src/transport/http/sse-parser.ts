/**
 * A streaming parser for Server-Sent Events (the parts MCP uses: `id`, `event`, `data`,
 * `retry`, comments), fed text chunks as they arrive.
 *
 * Linear in what it is fed: each chunk is scanned for newlines once, and a line split over
 * many chunks is joined once when its newline arrives (a server's line of many megabytes
 * costs no rescan per chunk). What it holds for an event not yet complete is counted in
 * {@link SseParser.buffered} as the characters of its lines, so a caller's bound holds
 * however the server splits them (endless `data:` lines of nothing included).
 */

/**
 * Event ids the client can send back as Last-Event-ID: the characters of an HTTP header value
 * (tab, visible ASCII, space, Latin-1), as fetch checks them. HTML's server-sent events ignore
 * an id field holding U+0000; one holding another character no header carries is ignored
 * likewise: kept, it made every later GET of the stream fail before it was sent, and the
 * session heard nothing more of the server.
 */
const SENDABLE_ID = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export class SseParser {
  /** Pieces of the line whose newline has not arrived yet. */
  #partial: string[];
  #partialSize: number;
  #data: string[];
  #event: string;
  #id: string | undefined;
  /** Characters of the `data` lines gathered for the event being read, newlines included. */
  #dataSize: number;
  /** The last `retry` value the server sent, in ms. */
  retryMs: number | undefined;
  /** The last event id seen, for Last-Event-ID. */
  lastEventId: string | undefined;

  constructor() {
    this.#partial = [];
    this.#partialSize = 0;
    this.#data = [];
    this.#event = '';
    this.#id = undefined;
    this.#dataSize = 0;
    this.retryMs = undefined;
    this.lastEventId = undefined;
  }

  /** Characters held for the event not yet complete: the caller bounds it. */
  get buffered(): number {
    return this.#partialSize + this.#dataSize;
  }

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      let line = chunk.slice(start, newline);
      start = newline + 1;
      if (this.#partialSize > 0) {
        this.#partial.push(line);
        line = this.#partial.join('');
        this.#partial = [];
        this.#partialSize = 0;
      }
      this.#line(line.endsWith('\r') ? line.slice(0, -1) : line, events);
    }
    if (start < chunk.length) {
      this.#partial.push(start === 0 ? chunk : chunk.slice(start));
      this.#partialSize += chunk.length - start;
    }
    return events;
  }

  /**
   * The stream ended: an event it cut off is dropped, not joined to what a resumed stream
   * starts with (HTML, server-sent events: an incomplete event at the end is not dispatched).
   * The last event id and `retry` stay, for resuming.
   */
  end(): void {
    this.#partial = [];
    this.#partialSize = 0;
    this.#data = [];
    this.#dataSize = 0;
    this.#event = '';
    this.#id = undefined;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.#id !== undefined) this.lastEventId = this.#id;
      if (this.#data.length > 0) events.push({ id: this.#id, event: this.#event || 'message', data: this.#data.join('\n') });
      this.#data = [];
      this.#dataSize = 0;
      this.#event = '';
      this.#id = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
      // The whole line, not just its value: `data:` with nothing after it still takes a slot.
      this.#dataSize += line.length + 1;
    } else if (field === 'event') this.#event = value;
    else if (field === 'id' && SENDABLE_ID.test(value)) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}
