/**
 * What a JSON-RPC message too large to parse says of itself in its first and last bytes: its
 * id, its method, whether it is a response. A message past the size limit is discarded unread
 * (stdio), yet its sender waits for an answer to it: with its id known, the request gets its
 * error at once instead of waiting for a timeout that may be infinite (the official Python SDK
 * client waits without one by default).
 *
 * Serializers put the small members first or last: `{"jsonrpc":"2.0","id":1,"result":{...}}`
 * (JSON.stringify of a literal, pydantic's responses), `{"method":"tools/call","params":{...},
 * "jsonrpc":"2.0","id":1}` (the official TypeScript SDK's and pydantic's requests). So the
 * members whose values are scalars are read from the front up to the first nested value, and
 * from the back down to the last one. Only members of the top-level object are read: a string
 * that holds `"id":7` is never mistaken for one.
 */
import type { RequestId } from './jsonrpc.ts';

export interface MessagePeek {
  /** The id, when a top-level `id` holding a string or a number was seen. */
  id?: RequestId;
  /** The method, when a top-level `method` holding a string was seen: a request or notification. */
  method?: string;
  /** Whether a top-level `result` or `error` was seen: a response. */
  response: boolean;
}

/** Members of the top-level object seen at either end; nested values as NESTED. */
const NESTED = Symbol('nested');
type Member = RequestId | boolean | null | typeof NESTED;

/**
 * Reads the top-level members a message shows in `head` (its first bytes) and `tail` (its
 * last bytes). A member that appears twice counts as its last appearance, as JSON.parse takes it.
 *
 * @example
 * peekMessage('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"na', 'xx"}}}')
 * // => { id: 4, method: 'tools/call', response: false }
 */
export function peekMessage(head: string, tail: string): MessagePeek {
  const members = new Map<string, Member>();
  readFront(head, members);
  readBack(tail, members);
  const id = members.get('id');
  const method = members.get('method');
  const peek: MessagePeek = { response: members.has('result') || members.has('error') };
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) peek.id = id;
  if (typeof method === 'string') peek.method = method;
  return peek;
}

/** `{"key":scalar,...` up to the first nested value (whose key is kept) or the text's end. */
function readFront(text: string, members: Map<string, Member>): void {
  let i = skipSpace(text, 0);
  if (text[i] !== '{') return;
  i++;
  for (;;) {
    i = skipSpace(text, i);
    const key = stringAt(text, i);
    if (key === undefined) return;
    i = skipSpace(text, key.end);
    if (text[i] !== ':') return;
    i = skipSpace(text, i + 1);
    if (text[i] === '{' || text[i] === '[') {
      members.set(key.value, NESTED);
      return;
    }
    const value = text[i] === '"' ? stringAt(text, i) : scalarAt(text, i);
    if (value === undefined) return;
    // A value the text ends in may be cut short: it counts once what follows it is seen.
    i = skipSpace(text, value.end);
    if (text[i] !== ',' && text[i] !== '}') return;
    members.set(key.value, value.value);
    if (text[i] === '}') return;
    i++;
  }
}

/** `...,"key":scalar}` from the closing brace back to the first nested value or the text's start. */
function readBack(text: string, members: Map<string, Member>): void {
  let i = skipSpaceBack(text, text.length - 1);
  if (text[i] !== '}') return;
  const found: Array<[string, Member]> = [];
  i--;
  for (;;) {
    i = skipSpaceBack(text, i);
    let value: { value: Member; start: number } | undefined;
    if (text[i] === '}' || text[i] === ']') value = undefined;
    else value = text[i] === '"' ? stringBefore(text, i) : scalarBefore(text, i);
    if (value === undefined) break;
    i = skipSpaceBack(text, value.start - 1);
    if (text[i] !== ':') break;
    i = skipSpaceBack(text, i - 1);
    const key = text[i] === '"' ? stringBefore(text, i) : undefined;
    if (key === undefined || typeof key.value !== 'string') break;
    found.push([key.value, value.value]);
    i = skipSpaceBack(text, key.start - 1);
    if (text[i] !== ',') break;
    i--;
  }
  // Back to front: the last appearance of a key is the one that stays.
  for (let k = found.length - 1; k >= 0; k--) members.set(found[k][0], found[k][1]);
}

/** The index of the first character at or after `i` that is not JSON whitespace. */
export function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function skipSpaceBack(text: string, i: number): number {
  while (i >= 0 && isSpace(text.charCodeAt(i))) i--;
  return i;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** The JSON string opening at `i`, decoded, and the index just past it. */
function stringAt(text: string, i: number): { value: string; end: number } | undefined {
  if (text[i] !== '"') return undefined;
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '"') return decode(text.slice(i, j + 1), j + 1);
  }
  return undefined;
}

/**
 * The JSON string closing at `i`, decoded, and where it starts. Inside a JSON string a quote
 * is escaped by an odd run of backslashes, so the first quote before `i` behind an even run
 * opens it. One that reaches the text's start may have lost a backslash: unknown.
 */
function stringBefore(text: string, i: number): { value: string; start: number } | undefined {
  for (let j = i - 1; j >= 0; j--) {
    if (text[j] !== '"') continue;
    let slashes = 0;
    while (j - 1 - slashes >= 0 && text[j - 1 - slashes] === '\\') slashes++;
    if (j - slashes === 0) return undefined;
    if (slashes % 2 === 0) {
      const decoded = decode(text.slice(j, i + 1), j);
      return decoded === undefined ? undefined : { value: decoded.value, start: j };
    }
  }
  return undefined;
}

function decode(literal: string, at: number): { value: string; end: number } | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? { value, end: at } : undefined;
  } catch {
    return undefined;
  }
}

// JSON's number grammar: no leading zero (JSON.parse throws on `00`).
const SCALAR = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
/** What numbers, true, false and null are written with. */
const SCALAR_CHARACTER = /[-+.\dEaeflnrstu]/;

function scalarAt(text: string, i: number): { value: Member; end: number } | undefined {
  SCALAR.lastIndex = i;
  const match = SCALAR.exec(text);
  return match === null ? undefined : { value: JSON.parse(match[0]) as Member, end: i + match[0].length };
}

function scalarBefore(text: string, i: number): { value: Member; start: number } | undefined {
  let start = i;
  while (start > 0 && SCALAR_CHARACTER.test(text[start - 1])) start--;
  // A token that reaches the text's start may be cut short.
  if (start === 0) return undefined;
  const token = text.slice(start, i + 1);
  const parsed = scalarAt(token, 0);
  return parsed === undefined || parsed.end !== token.length ? undefined : { value: parsed.value, start };
}
