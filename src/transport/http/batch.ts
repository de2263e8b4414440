/**
 * JSON-RPC batches over Streamable HTTP (protocol/batches.ts): a POST whose body is an array of
 * requests, notifications and responses, in a session of the 2025-03-26 revision.
 *
 * Each message of the batch is served as if it had come in a POST of its own, through a part
 * of the one response: its answer, and whatever its request sends before it (progress, logs,
 * server-to-client requests), are events of the batch's SSE stream, which ends once every part
 * has ended. A batch with requests is always answered with a stream (the revision allows it for
 * any POST with requests); one with none gets 202 once its messages are taken, as a single
 * notification or response does. A part's status and headers do not reach the client: an error
 * it would have answered with a 4xx or 5xx is an event like any other answer.
 *
 * A part's own stream is not resumable: a client that loses the batch's connection knows one
 * event id at most, of one part, and could not resume the others (their answers are lost, as
 * they are for any stream without an event store).
 */
import { batchProblem } from '../../protocol/batches.ts';
import { ErrorCode } from '../../protocol/wire-errors.ts';
import type { Refusal } from '../../security/edge.ts';
import type { LegacySession } from '../../store/legacy-session.ts';
import type { InflightTicket } from './inflight.ts';
import { refusal } from './refusals.ts';
import type { OutgoingHeaders, ResponseSink } from './sink.ts';
import { formatEvent } from './sse.ts';

/** Why a batch of `size` messages is refused in `session`, if it is (see batches.ts). */
export function batchRefusal(session: LegacySession, size: number): Refusal | undefined {
  const problem = batchProblem(session.protocolVersion, size);
  return problem === undefined ? undefined : refusal(400, ErrorCode.InvalidRequest, problem);
}

/** The response of one batch: its parts end, then it does. */
export class BatchResponse {
  readonly #sink: ResponseSink;
  readonly #headers: OutgoingHeaders;
  /** Parts not yet ended, plus one while the batch is being read (see {@link taken}). */
  #pending: number;
  #opened: boolean;

  /** `headers`: what the response carries besides its content type (Mcp-Session-Id). */
  constructor(sink: ResponseSink, headers: OutgoingHeaders) {
    this.#sink = sink;
    this.#headers = headers;
    this.#pending = 1;
    this.#opened = false;
  }

  /** Opens the batch's stream: the batch has requests, whose answers it carries. */
  open(sseHeaders: OutgoingHeaders): void {
    this.#opened = true;
    this.#sink.open({ ...sseHeaders, ...this.#headers });
  }

  /** The part of one message. */
  part(): BatchPart {
    this.#pending++;
    return new BatchPart(this.#sink, this);
  }

  /** Every message has its part: the response ends once they have. */
  taken(): void {
    this.ended();
  }

  /** @internal A part ended. */
  ended(): void {
    if (--this.#pending > 0 || this.#sink.done) return;
    if (this.#opened) this.#sink.end();
    else this.#sink.send(202, this.#headers, '');
  }
}

/**
 * The response of one message of a batch, as the core writes any response: a whole one
 * becomes an event (nothing, for an empty 202), a stream's events go into the batch's stream.
 */
export class BatchPart implements ResponseSink {
  readonly #sink: ResponseSink;
  readonly #batch: BatchResponse;
  #ticket: InflightTicket | undefined;
  #ended: boolean;

  constructor(sink: ResponseSink, batch: BatchResponse) {
    this.#sink = sink;
    this.#batch = batch;
    this.#ticket = undefined;
    this.#ended = false;
  }

  /** Keeps a request's in-flight share until the part ends, unless its work takes it first. */
  hold(ticket: InflightTicket): void {
    this.#ticket = ticket;
  }

  send(_status: number, _headers: OutgoingHeaders, body: string): void {
    if (this.#ended) return;
    if (body !== '' && !this.#sink.done) this.#sink.write(formatEvent(body));
    this.end();
  }

  /** The batch's stream is open already (a batch with requests opens it first). */
  open(_headers: OutgoingHeaders): void {}

  write(chunk: string): boolean {
    return this.#ended || this.#sink.done ? false : this.#sink.write(chunk);
  }

  get backedUp(): boolean {
    return this.#sink.backedUp;
  }

  onCaughtUp(listener: () => void): void {
    this.#sink.onCaughtUp(listener);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#ticket?.release();
    this.#ticket = undefined;
    this.#batch.ended();
  }

  onAbort(listener: () => void): void {
    this.#sink.onAbort(listener);
  }

  get done(): boolean {
    return this.#ended || this.#sink.done;
  }

  get extraHeaders(): OutgoingHeaders | undefined {
    return this.#sink.extraHeaders;
  }

  /** The batch's response carries the headers (CORS) its parts would have. */
  set extraHeaders(_headers: OutgoingHeaders | undefined) {}

  takeTicket(): InflightTicket | undefined {
    const ticket = this.#ticket;
    this.#ticket = undefined;
    return ticket;
  }
}
