/**
 * Long strings go around JSON.parse and JSON.stringify. A message's large payload is nearly
 * always one string (a file's text, an image's base64), and V8 copies a string through JSON
 * character by character, checking each: measured on Node 24, 1.8 ms to parse a 1 MB string
 * and 2.3 ms to write one, where finding that it needs no escape takes 0.55 ms.
 *
 * Writing: a message holding such a string is serialized with a short marker in its place, and
 * its text is cut around the marker: the string itself becomes one of the parts the transport
 * writes (one writev, see stream.ts), or is joined to them once. Only where payloads live is
 * looked at (content blocks of a result, the contents of a resources/read, a request's tool
 * arguments), so a small message costs a few property reads. Reading: see {@link parseJson}.
 *
 * Both always give JSON's own text or value: a string that needs escaping, a property that
 * cannot be set back, a marker not found exactly once, leaves the message to JSON.
 */
import { randomUUID } from 'node:crypto';
import { isObject } from './guards.ts';
import { skipSpace } from './message-peek.ts';

/** From this length on, a string that needs no escaping is written as it is. */
export const LONG_STRING = 64 * 1024;

/** No character JSON.stringify escapes: a quote, a backslash or a control character (lone surrogates: isWellFormed). */
const PLAIN = /^[^"\\\u0000-\u001f]*$/;

/**
 * Long strings found plain in this turn of the event loop. A message read and answered in the
 * same turn (an echo; a gateway passing an upstream's result on) holds the same string both
 * ways: it is checked once. Let go at the end of the turn, so no string is kept any longer.
 */
let plainThisTurn: string[] = [];
const MAX_PLAIN_THIS_TURN = 8;

function forgetPlain(): void {
  plainThisTurn = [];
}

function isPlain(value: string): boolean {
  // Equal strings are plain alike; unequal ones mostly differ in length, which === checks first.
  for (const known of plainThisTurn) if (known === value) return true;
  if (!PLAIN.test(value)) return false;
  if (plainThisTurn.length === 0) setImmediate(forgetPlain);
  if (plainThisTurn.length < MAX_PLAIN_THIS_TURN) plainThisTurn.push(value);
  return true;
}

/** Unguessable, so that no string of a message holds it by chance or by design. */
const MARK = `mcp-core:long-string:${randomUUID()}:`;

type Holder = Record<string, unknown>;

/** Where long strings were found: holder, key, holder, key... */
type Slots = unknown[];

function slot(holder: Holder, key: string, found: Slots | undefined): Slots | undefined {
  const value = holder[key];
  if (typeof value !== 'string' || value.length < LONG_STRING) return found;
  (found ??= []).push(holder, key);
  return found;
}

/** The strings of content blocks (text, image and audio data, embedded resources) and of resource contents. */
function blockSlots(blocks: unknown, found: Slots | undefined): Slots | undefined {
  if (!Array.isArray(blocks)) return found;
  for (const block of blocks) {
    if (!isObject(block)) continue;
    found = slot(block, 'text', found);
    found = slot(block, 'data', found);
    found = slot(block, 'blob', found);
    const resource = block.resource;
    if (isObject(resource)) {
      found = slot(resource, 'text', found);
      found = slot(resource, 'blob', found);
    }
  }
  return found;
}

/** The long strings of a message, where payloads live; undefined when it has none (nearly always). */
function longSlots(message: object): Slots | undefined {
  const { result, params } = message as { result?: unknown; params?: unknown };
  if (isObject(result)) return blockSlots(result.contents, blockSlots(result.content, undefined));
  if (!isObject(params)) return undefined;
  const args = params.arguments;
  if (!isObject(args)) return undefined;
  let found: Slots | undefined;
  for (const key in args) found = slot(args, key, found);
  return found;
}

/** Whether `holder[key]` is a plain own value that can be swapped for the marker and back. */
function swappable(holder: Holder, key: string): boolean {
  const property = Object.getOwnPropertyDescriptor(holder, key);
  return property !== undefined && property.writable === true;
}

/**
 * The message's JSON text in parts, its long strings each a part of its own; undefined when it
 * has none that can be written so (then JSON.stringify it as usual).
 */
export function encodeAroundLongStrings(message: object): string[] | undefined {
  const found = longSlots(message);
  if (found === undefined) return undefined;
  const holders: Holder[] = [];
  const keys: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < found.length; i += 2) {
    const holder = found[i] as Holder;
    const key = found[i + 1] as string;
    const value = holder[key] as string;
    if (!swappable(holder, key) || !value.isWellFormed() || !isPlain(value)) continue;
    holders.push(holder);
    keys.push(key);
    values.push(value);
  }
  if (values.length === 0) return undefined;
  let text: string;
  try {
    for (let i = 0; i < values.length; i++) holders[i][keys[i]] = MARK + i;
    text = JSON.stringify(message);
  } finally {
    for (let i = 0; i < values.length; i++) holders[i][keys[i]] = values[i];
  }
  return cut(text, values);
}

/** `text` with each `"MARK i"` replaced by `"values[i]"`, in parts; undefined unless each marker is there once. */
function cut(text: string, values: string[]): string[] | undefined {
  const at: Array<{ start: number; end: number; value: string }> = [];
  for (let i = 0; i < values.length; i++) {
    const quoted = `"${MARK}${i}"`;
    const start = text.indexOf(quoted);
    if (start === -1 || text.indexOf(quoted, start + 1) !== -1) return undefined;
    at.push({ start, end: start + quoted.length, value: values[i] });
  }
  at.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let from = 0;
  for (const { start, end, value } of at) {
    // The marker's quotes stay in the text around the value.
    parts.push(text.slice(from, start + 1), value);
    from = end - 1;
  }
  parts.push(text.slice(from));
  return parts;
}

// ---- reading ----------------------------------------------------------------------------------

/** How many quotes of a text are looked at for long strings: a message with one has few before it. */
const MAX_QUOTES = 256;

const BACKSLASH = 0x5c;

/** The quote at `at` is escaped: an odd run of backslashes before it. */
function escaped(text: string, at: number): boolean {
  let slashes = 0;
  while (at - slashes - 1 >= 0 && text.charCodeAt(at - slashes - 1) === BACKSLASH) slashes++;
  return slashes % 2 === 1;
}

/** What follows a string at `at` ends a value (a key is followed by a colon). */
function endsValue(text: string, at: number): boolean {
  const next = skipSpace(text, at);
  return next === text.length || text[next] === ',' || text[next] === '}' || text[next] === ']';
}

/**
 * The long string values of a JSON text that need no unescaping, as the offsets of their quotes
 * (open, close, open, close...), among its first {@link MAX_QUOTES} quotes.
 */
function longLiterals(text: string): number[] {
  const found: number[] = [];
  let open = -1;
  let quotes = 0;
  for (let at = text.indexOf('"'); at !== -1 && quotes < MAX_QUOTES; at = text.indexOf('"', at + 1), quotes++) {
    if (open === -1) open = at;
    else if (!escaped(text, at)) {
      if (at - open - 1 >= LONG_STRING && endsValue(text, at + 1) && isPlain(text.slice(open + 1, at))) found.push(open, at);
      open = -1;
    }
  }
  return found;
}

/** How much of the text the literals at these quotes hold. */
function cutLength(literals: number[]): number {
  let length = 0;
  for (let i = 0; i < literals.length; i += 2) length += literals[i + 1] - literals[i] - 1;
  return length;
}

/** An object or an array: what holds the members the walk of {@link putBack} visits. */
const isHolder = (value: unknown): value is Holder => typeof value === 'object' && value !== null;

/**
 * Puts each long string back where its marker was parsed: true when every marker was found
 * once. The walk keeps its own stack: JSON nests deeper than the call stack goes.
 */
function putBack(value: unknown, strings: Array<string | undefined>): boolean {
  let left = strings.length;
  const stack: Holder[] = [];
  if (isHolder(value)) stack.push(value);
  while (stack.length > 0) {
    const holder = stack.pop()!;
    for (const key of Object.keys(holder)) {
      const item: unknown = holder[key];
      if (isHolder(item)) stack.push(item);
      else if (typeof item === 'string' && item.startsWith(MARK)) {
        const index = Number(item.slice(MARK.length));
        const string = strings[index];
        if (string === undefined) return false;
        holder[key] = string;
        strings[index] = undefined;
        left--;
      }
    }
  }
  return left === 0;
}

/**
 * JSON.parse, faster for a text holding long strings: each is cut out, a marker parsed in its
 * place, and the string (a slice of the text, no copy) put back where the marker landed. V8's
 * JSON.parse copies a string character by character, checking each: 1.8 ms for 1 MB, where
 * checking it needs no unescaping takes 0.55 ms. The value is always JSON.parse's: on anything
 * unexpected (an error, a marker not found once) the whole text goes to JSON.parse, whose error
 * is the one thrown.
 *
 * A slice keeps its whole text in memory: a handler keeping a 64 KiB argument would keep the
 * 64 MiB message it came in. So strings are cut out only when they are at least half the text:
 * whatever is kept, at most twice its size is held.
 */
export function parseJson(text: string): unknown {
  if (text.length < LONG_STRING) return JSON.parse(text);
  const literals = longLiterals(text);
  if (literals.length === 0 || 2 * cutLength(literals) < text.length) return JSON.parse(text);
  const pieces: string[] = [];
  const strings: string[] = [];
  let from = 0;
  for (let i = 0; i < literals.length; i += 2) {
    const open = literals[i];
    const close = literals[i + 1];
    pieces.push(text.slice(from, open + 1), MARK + strings.length);
    strings.push(text.slice(open + 1, close));
    from = close;
  }
  pieces.push(text.slice(from));
  let value: unknown;
  try {
    value = JSON.parse(pieces.join(''));
  } catch {
    return JSON.parse(text);
  }
  return putBack(value, strings) ? value : JSON.parse(text);
}
