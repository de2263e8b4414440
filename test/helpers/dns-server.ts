/**
 * A small authoritative DNS server over UDP for tests: it answers A queries for the names it is
 * given (several addresses each, as a container platform's DNS answers for the replicas of a
 * service), an empty answer for other types of those names, and NXDOMAIN for any other name.
 * It stands in for the platform's DNS (Docker's 127.0.0.11) that load balancer configs resolve
 * replicas through (RFC 1035, section 4).
 */
import { createSocket, type Socket } from 'node:dgram';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
const TTL_SECONDS = 5;

export class DnsServer {
  readonly port: number;
  readonly #socket: Socket;
  /** Queries answered, by name. */
  readonly queries = new Map<string, number>();

  private constructor(socket: Socket, port: number) {
    this.#socket = socket;
    this.port = port;
  }

  /** Serves `records` (lower-case name to IPv4 addresses) on `host`, a free UDP port. */
  static async start(host: string, records: Readonly<Record<string, readonly string[]>>): Promise<DnsServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => resolve());
    });
    const server = new DnsServer(socket, socket.address().port);
    socket.on('message', (query, peer) => {
      const answer = server.#answer(query, records);
      if (answer !== undefined) socket.send(answer, peer.port, peer.address);
    });
    return server;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #answer(query: Buffer, records: Readonly<Record<string, readonly string[]>>): Buffer | undefined {
    if (query.length < 12 || (query[2] & 0x80) !== 0) return undefined;
    const question = readQuestion(query);
    if (question === undefined || query.readUInt16BE(4) !== 1) return header(query, RCODE_FORMERR, 0, 0);
    const { name, type, end } = question;
    this.queries.set(name, (this.queries.get(name) ?? 0) + 1);
    const addresses = records[name];
    if (addresses === undefined) return Buffer.concat([header(query, RCODE_NXDOMAIN, 1, 0), query.subarray(12, end)]);
    const answers = type === TYPE_A ? addresses.map(aRecord) : [];
    return Buffer.concat([header(query, 0, 1, answers.length), query.subarray(12, end), ...answers]);
  }
}

/** The query's one question: its name (lower case), type, and where it ends. */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | undefined {
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    if (at >= query.length) return undefined;
    const length = query[at];
    if (length === 0) break;
    if (length > 63 || at + 1 + length > query.length) return undefined;
    labels.push(query.toString('latin1', at + 1, at + 1 + length).toLowerCase());
    at += 1 + length;
  }
  if (at + 5 > query.length) return undefined;
  const type = query.readUInt16BE(at + 1);
  const klass = query.readUInt16BE(at + 3);
  return klass === CLASS_IN ? { name: labels.join('.'), type, end: at + 5 } : undefined;
}

/** The answer's header: the query's id and RD bit, QR and AA and RA set, no authority or additional records. */
function header(query: Buffer, rcode: number, questions: number, answers: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.readUInt16BE(0), 0);
  out[2] = 0x84 | (query[2] & 0x01);
  out[3] = 0x80 | rcode;
  out.writeUInt16BE(questions, 4);
  out.writeUInt16BE(answers, 6);
  return out;
}

/** An A record naming the question's name by a pointer to it (offset 12). */
function aRecord(address: string): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt16BE(0xc00c, 0);
  out.writeUInt16BE(TYPE_A, 2);
  out.writeUInt16BE(CLASS_IN, 4);
  out.writeUInt32BE(TTL_SECONDS, 6);
  out.writeUInt16BE(4, 10);
  address.split('.').forEach((part, i) => (out[12 + i] = Number(part)));
  return out;
}
