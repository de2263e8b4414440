/**
 * Small guards for values that came off the wire. A client value is hostile until its type is
 * checked: `String(x)` or a template literal on `{"toString": 1}` throws, and `[{"toString": 1}]`
 * throws from inside `join`. These never call into the value.
 */

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The shape of `crypto.randomUUID()`, lowercase as it makes them. */
const MINTED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether a client's string has the shape of an id the server minted with `randomUUID()`
 * (legacy sessions, SSE streams, tasks). Anything else is unknown without asking a store: a
 * shared store never sees a client string of another shape in its keys (bounded, 36 characters).
 *
 * @example
 * isMintedId('0b9e2c44-5f3a-4c1e-9d7e-2a6b1c3d4e5f'); // true
 * isMintedId('x'.repeat(8000));                       // false
 */
export function isMintedId(value: string): boolean {
  return value.length === 36 && MINTED_ID.test(value);
}

/** Longest client text quoted back in an error message. */
const MAX_QUOTED = 200;

/**
 * A short description of a client value for error messages and logs: strings (cut at 200
 * characters) and other primitives as text, objects and arrays by their kind.
 *
 * @example
 * describeValue('us-west1');       // 'us-west1'
 * describeValue({ toString: 1 });  // 'an object'
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}...` : value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/**
 * {@link describeValue}, a string quoted as JSON: quotes and line breaks escaped, so a peer's
 * text reads as one token in a message or a log line and cannot forge a line of its own.
 *
 * @example
 * quoteValue('a "b"\nc');          // '"a \\"b\\"\\nc"'
 * quoteValue({ toString: 1 });    // 'an object'
 */
export function quoteValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(describeValue(value)) : describeValue(value);
}

/** `value` when it is a string, `fallback` otherwise. */
export function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * How deep client JSON may nest where the server must serialize it again (answers sealed into
 * `requestState`): JSON.parse accepts any depth, but JSON.stringify overflows the call stack
 * at a few thousand levels.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Levels walked by recursion, without allocating, before the rest of a branch is walked with
 * stacks of its own: the values a server checks on every request (params, results) are a few
 * levels deep, and walking them must cost no garbage; a deep one must not overflow the stack.
 */
const RECURSION_LEVELS = 64;

/** Whether `value` nests objects or arrays deeper than `maxDepth`. Any depth is safe. */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  return deeperThan(value, maxDepth, 0);
}

/** {@link nestedDeeperThan} for a value with `above` levels above it. */
function deeperThan(value: unknown, maxDepth: number, above: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (above >= maxDepth) return true;
  if (above >= RECURSION_LEVELS) return walkedDeeperThan(value, maxDepth - above);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (deeperThan(value[index], maxDepth, above + 1)) return true;
    return false;
  }
  for (const key in value) if (Object.hasOwn(value, key) && deeperThan((value as Record<string, unknown>)[key], maxDepth, above + 1)) return true;
  return false;
}

/** {@link nestedDeeperThan} with explicit stacks: no recursion. */
function walkedDeeperThan(value: object, maxDepth: number): boolean {
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
