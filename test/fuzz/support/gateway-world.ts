/**
 * A real `mcp-core serve --stdio` gateway process for the gateway fuzz targets, and one exchange
 * with it: a request, a known-good call after it, and everything the gateway writes until both
 * are answered (its questions to the caller refused, its notifications kept for the oracle).
 */
import { MODERN_META } from '../../helpers/http.ts';
import { scratch, writeConfig } from '../../helpers/gateway.ts';
import { CLI } from '../../helpers/processes.ts';
import { RawStdio } from '../../helpers/stdio.ts';

/** A generous bound for one answer on a loaded machine, not a measure of speed. */
const ANSWER_MS = 60_000;

/** Starts `mcp-core serve --stdio` with `config`, opens a 2025-11-25 session and waits until `expected` tools list. */
export async function startGateway(config: unknown, expected: string[]): Promise<RawStdio> {
  const file = await writeConfig(await scratch(), config);
  const peer = new RawStdio(process.execPath, [CLI, 'serve', '--stdio', '--config', file]);
  peer.send({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {}, roots: {} }, clientInfo: { name: 'fuzz', version: '1' } } });
  const answer = await peer.next(ANSWER_MS);
  if (answer.id !== 'init' || answer.result === undefined) throw new Error(`initialize: ${JSON.stringify(answer)}`);
  peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  for (let attempt = 0; ; attempt++) {
    peer.send({ jsonrpc: '2.0', id: `list-${attempt}`, method: 'tools/list', params: { _meta: MODERN_META } });
    const listed = await nextAnswer(peer);
    const names = new Set((listed.result?.tools ?? []).map((tool: { name: string }) => tool.name));
    if (expected.every((name) => names.has(name))) return peer;
    if (attempt === 100) throw new Error(`the gateway never listed ${expected.join(', ')}: ${JSON.stringify(listed)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The next answer, refusing the gateway's questions and skipping its notifications. */
async function nextAnswer(peer: RawStdio): Promise<any> {
  for (;;) {
    const reply = await peer.next(ANSWER_MS);
    if (reply.method === undefined) return reply;
    if (reply.id !== undefined) refuse(peer, reply.id);
  }
}

function refuse(peer: RawStdio, id: unknown): void {
  peer.send({ jsonrpc: '2.0', id, error: { code: -32601, message: 'the fuzzing caller answers no questions' } });
}

/** What came back for one request. */
export interface Exchanged {
  /** Its answer; undefined for a `subscriptions/listen` the gateway acknowledged (then cancelled). */
  answer: any;
  /** Every notification the gateway wrote meanwhile. */
  notifications: any[];
  /** Answers to ids that were not asked about in this exchange (a second answer to an earlier request). */
  strays: any[];
  /** The known-good call's answer. */
  sentinel: any;
}

/**
 * Sends `text` (a request with `id`), then `sentinel` (a request with id `sentinelId`), and reads
 * until both are answered. A `subscriptions/listen` that is acknowledged is cancelled and
 * counts as answered.
 */
export async function exchange(peer: RawStdio, text: string, id: string | number, sentinel: Record<string, unknown>): Promise<Exchanged> {
  peer.write(`${text}\n`);
  peer.send(sentinel);
  const outcome: Exchanged = { answer: undefined, notifications: [], strays: [], sentinel: undefined };
  let answered = false;
  while (!answered || outcome.sentinel === undefined) {
    const reply = await peer.next(ANSWER_MS);
    if (reply.method !== undefined) {
      if (reply.id !== undefined) refuse(peer, reply.id);
      else {
        outcome.notifications.push(reply);
        if (reply.method === 'notifications/subscriptions/acknowledged' && reply.params?._meta?.['io.modelcontextprotocol/subscriptionId'] === id && !answered) {
          peer.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'fuzz case over' } });
          answered = true;
        }
      }
    } else if (reply.id === sentinel.id) outcome.sentinel = reply;
    else if (reply.id === id && !answered) {
      outcome.answer = reply;
      answered = true;
    } else outcome.strays.push(reply);
  }
  return outcome;
}

/** Ends the gateway (stdin closed, its shutdown signal); resolves with its exit code. */
export function stopGateway(peer: RawStdio): Promise<number | null> {
  return peer.close();
}
