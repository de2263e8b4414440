/**
 * A stdio server's message found behind text glued to its front. The spec forbids a server to
 * write anything to stdout but messages (basic/transports/stdio), yet many do: a banner
 * without its newline (`process.stdout.write('Starting...')`), a terminal escape (`\x1b[2J`),
 * a print without end. That text runs into the next line, which is then not JSON:
 * `Starting...{"jsonrpc":"2.0","id":1,"result":{...}}`. Dropped, the answer was lost and its
 * request waited for its whole timeout, which said nothing of why (the official SDKs' clients
 * lose it the same way).
 *
 * Only the client reads past such text (stdio-client.ts): what it finds answers one of its
 * own requests (or is a notification), so reading it risks nothing, and the text is still
 * reported. A server keeps answering a line that is
 * not JSON with -32700 Parse error, as JSON-RPC and the spec's schema (ParseError) say, which
 * tells its sender at once that it wrote garbage; and a request pulled out of garbage may be
 * part of something the client never meant to send whole (a message cut short before another):
 * running a tool on a guess is not the server's to do.
 */
import { isObject, quoteValue } from '../protocol/guards.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { terminalJson } from '../protocol/terminal-text.ts';

/**
 * Where a message may start: `{` and one of JSON-RPC's members as the first key (serializers
 * differ: ours, the Python SDK's and rmcp's write `jsonrpc` first, the TypeScript SDK's
 * `result` or `method`), with the whitespace JSON allows. One scan of the line, linear in its
 * length whatever it holds.
 */
const MESSAGE_START = /\{[ \t\r]*"(?:jsonrpc|id|method|result|error|params)"[ \t\r]*:/g;

export interface MessageAfterJunk {
  /** The text before the message. */
  readonly junk: string;
  readonly message: Record<string, unknown>;
}

/**
 * The JSON-RPC message that ends `line` after text that is not JSON, if there is one. Called
 * only for a line that failed to parse whole; it looks at the first place past the line's
 * start where a message may begin, and parses once from there: a huge line of junk costs one
 * scan and at most one parse, never a parse per candidate. What then parses must be an object
 * with `"jsonrpc": "2.0"`, else the line stays a frame error.
 *
 * @example
 * messageAfterJunk('Starting...{"jsonrpc":"2.0","id":1,"result":{}}');
 * // { junk: 'Starting...', message: { jsonrpc: '2.0', id: 1, result: {} } }
 */
export function messageAfterJunk(line: string): MessageAfterJunk | undefined {
  // A start at 0 is the line itself, which did not parse.
  MESSAGE_START.lastIndex = 1;
  const found = MESSAGE_START.exec(line);
  if (found === null) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(line.slice(found.index));
  } catch {
    return undefined;
  }
  if (!isObject(message) || message.jsonrpc !== '2.0') return undefined;
  return { junk: line.slice(0, found.index), message };
}

/**
 * The frame error a server's junk is reported with: its start quoted as JSON (escape sequences
 * escaped, so a terminal shows them instead of obeying them) and its length.
 */
export function junkBeforeMessage(junk: string): McpLocalError {
  return new McpLocalError(
    LocalErrorCode.ProtocolViolation,
    `The server wrote ${junk.length} characters that are not JSON-RPC before a message on its stdout (which must carry only messages): ${terminalJson(quoteValue(junk))}; the message was read`,
  );
}
