/**
 * A stdio server's messages found in a line that is not one message. The spec forbids a server
 * to write anything to stdout but messages, one per line (basic/transports/stdio), yet many
 * do: a banner without its newline (`process.stdout.write('Starting...')`), a terminal escape
 * (`\x1b[2J`), a print without end, a message written without its newline. Such text runs into
 * a message's line, which is then not JSON: `Starting...{"jsonrpc":"2.0","id":1,"result":{...}}`,
 * `{"jsonrpc":"2.0","id":1,"result":{...}}Done`, or two messages on one line. Dropped, the
 * answers were lost and their requests waited for their whole timeout, which said nothing of
 * why (the official SDKs' clients lose them the same way).
 *
 * Only the client reads such a line (stdio-client.ts): what it finds answers its own requests
 * (or is a notification), so reading it risks nothing, and the text is still reported. A
 * server keeps answering a line that is not one JSON-RPC message with -32700 Parse error, as
 * JSON-RPC and the spec's schema (ParseError) say, which tells its sender at once that it wrote
 * garbage, and it reads the next line as usual; a request pulled out of garbage may be part of
 * something the client never meant to send whole (a message cut short before another, text
 * glued behind one): running a tool on a guess is not the server's to do.
 */
import { isObject, quoteValue } from '../protocol/guards.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { terminalJson } from '../protocol/terminal-text.ts';

/**
 * Where a message may start: `{` and one of JSON-RPC's members as the first key (serializers
 * differ: ours, the Python SDK's and rmcp's write `jsonrpc` first, the TypeScript SDK's
 * `result` or `method`), with the whitespace JSON allows.
 */
const MESSAGE_START = /\{[ \t\r]*"(?:jsonrpc|id|method|result|error|params)"[ \t\r]*:/g;

/**
 * How many places a message may start whose object never closes are looked past. One is a
 * message cut short before the next (`{"jsonrpc":"2.0","id":1,"result":{"content":[{"jsonrpc":...}`),
 * more its members' own objects; each costs a scan of the rest of the line, so they are few.
 */
const UNCLOSED_LOOKS = 3;

/** Text that is more than the whitespace JSON allows between values. */
const NOT_WHITESPACE = /[^ \t\r\n]/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export interface LineMessages {
  /** The messages, in the line's order. */
  readonly messages: Array<Record<string, unknown>>;
  /** The pieces of text around them that are not JSON-RPC, in the line's order. */
  readonly junk: readonly string[];
  /** Whether junk came before the first message, and after the last. */
  readonly before: boolean;
  readonly after: boolean;
}

/**
 * The JSON-RPC messages in a line that failed to parse whole, and the text around them. From
 * each place a message may start, the object is followed to its closing brace (strings and
 * nesting skipped) and parsed once; what parses must be an object with `"jsonrpc": "2.0"`,
 * else it is junk. The search goes on after it, never inside it; past an object that never
 * closes it goes on inside it, a few times only ({@link UNCLOSED_LOOKS}). Every character is
 * scanned a bounded number of times and parsed at most once, so a huge line of junk costs time
 * linear in its length whatever it holds. Undefined when no message is found (the line stays a
 * frame error).
 *
 * @example
 * messagesInLine('Starting...{"jsonrpc":"2.0","id":1,"result":{}}');
 * // { messages: [{ jsonrpc: '2.0', id: 1, result: {} }], junk: ['Starting...'], before: true, after: false }
 */
export function messagesInLine(line: string): LineMessages | undefined {
  const messages: Array<Record<string, unknown>> = [];
  const junk: string[] = [];
  let before = false;
  /** Where the text not yet taken by a message starts. */
  let rest = 0;
  let unclosed = 0;
  MESSAGE_START.lastIndex = 0;
  for (let found = MESSAGE_START.exec(line); found !== null; found = MESSAGE_START.exec(line)) {
    const end = objectEnd(line, found.index);
    if (end === -1) {
      if (++unclosed > UNCLOSED_LOOKS) break;
      MESSAGE_START.lastIndex = found.index + 1;
      continue;
    }
    const message = parseMessage(line.slice(found.index, end));
    if (message !== undefined) {
      const text = line.slice(rest, found.index);
      if (NOT_WHITESPACE.test(text)) {
        junk.push(text);
        if (messages.length === 0) before = true;
      }
      messages.push(message);
      rest = end;
    }
    MESSAGE_START.lastIndex = end;
  }
  if (messages.length === 0) return undefined;
  const tail = line.slice(rest);
  const after = NOT_WHITESPACE.test(tail);
  if (after) junk.push(tail);
  return { messages, junk, before, after };
}

/** The index just past the object or array opening at `start`, or -1 if the line ends first. */
function objectEnd(line: string, start: number): number {
  let depth = 0;
  for (let i = start; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) {
      // A string: to its closing quote, escapes skipped.
      for (i++; i < line.length; i++) {
        const s = line.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

function parseMessage(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(value) && value.jsonrpc === '2.0' ? value : undefined;
}

/** A piece of junk quoted as JSON: escape sequences escaped, so a terminal shows them instead of obeying them. */
function quoted(junk: string): string {
  return terminalJson(quoteValue(junk));
}

/**
 * The frame error a line of a server's messages with junk, or of more than one message, is
 * reported with: how many characters of junk and where, its pieces quoted (their starts).
 */
export function junkAroundMessages(found: LineMessages): McpLocalError {
  const characters = found.junk.reduce((sum, piece) => sum + piece.length, 0);
  if (found.messages.length === 1) {
    const where = found.before && found.after ? 'before and after' : found.before ? 'before' : 'after';
    return new McpLocalError(
      LocalErrorCode.ProtocolViolation,
      `The server wrote ${characters} characters that are not JSON-RPC ${where} a message on its stdout (which must carry only messages): ${found.junk.map(quoted).join(' and ')}; the message was read`,
    );
  }
  const among = characters === 0 ? '' : `, and ${characters} characters that are not JSON-RPC around them: ${quoted(found.junk[0])}${found.junk.length > 1 ? ` and ${found.junk.length - 1} more pieces` : ''}`;
  return new McpLocalError(
    LocalErrorCode.ProtocolViolation,
    `The server wrote ${found.messages.length} messages on one line of its stdout (which must end each message with a newline)${among}; the messages were read`,
  );
}
