/**
 * Generators for hostile client input: JSON of every type in every field, objects whose
 * `toString` is not a function, `__proto__` and `constructor` keys, deep nesting, numbers JSON
 * can write but JavaScript cannot hold, and plausible MCP requests around them so that the
 * fuzzer reaches past the first type check.
 */
import fc from 'fast-check';
import { LEGACY_VERSIONS, MODERN_VERSION } from '../../../src/protocol/versions.ts';

/** Marks a number to be written as raw JSON text (1e400, -0, 2^64, ...). */
const RAW = '\u0000raw';

/** Keys an attacker would try, among ordinary ones. */
export const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'toJSON') },
  { weight: 1, arbitrary: fc.constantFrom('name', 'uri', 'text', 'arguments', '_meta', 'id', 'method', 'params') },
);

/** Numbers JSON can carry that are awkward in JavaScript: written as raw text. */
const rawNumber = fc.constantFrom('1e400', '-1e400', '-0', '18446744073709551616', '0.1e-400', '1E2', '123456789012345678901234567890').map((text) => ({ [RAW]: text }));

/** Objects and arrays that throw when turned into text the careless way. */
export const hostileObject = fc.constantFrom<unknown>(
  { toString: 1 },
  { toString: 1, valueOf: 1 },
  [{ toString: 1 }],
  { toString: {}, valueOf: [] },
  { toJSON: 1 },
  { then: 1 },
  Object.fromEntries([['__proto__', { polluted: true }]]),
  Object.fromEntries([['constructor', { prototype: { polluted: true } }]]),
);

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  rawNumber,
);

/** Any JSON value, hostile shapes and raw numbers included, a few levels deep. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    hostileObject,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map((entries) => Object.fromEntries(entries)),
  ),
})).value;

/** A deeply nested array or object, as JSON text (JSON.stringify could not write it). */
export const deepText = fc.tuple(fc.integer({ min: 500, max: 20_000 }), fc.boolean()).map(([depth, arrays]) =>
  arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
);

/** Marks where deeply nested text goes in place of a value. */
const DEEP = '\u0000deep';

/**
 * Writes a generated value as JSON text: raw numbers as written, deep markers replaced by the
 * nested text. JSON.stringify escapes U+0000 as `\u0000`, which is what the markers look like.
 */
export function toJsonText(value: unknown, deep?: string): string {
  let text = JSON.stringify(value) ?? 'null';
  text = text.replace(/\{"\\u0000raw":"([^"]*)"\}/g, '$1');
  if (deep !== undefined) text = text.replace(/\{"\\u0000deep":true\}/g, () => deep);
  return text;
}

const deepMarker = { [DEEP]: true };

const TOOLS = ['echo', 'add', 'fail', 'ask', 'route', 'nope', 'sleep', 'pick'];
const URIS = ['demo://readme', 'demo://items/42', 'demo://items/a%20b?q=x', 'demo://items/', 'demo://other', '', 'x'];
const METHODS = [
  'initialize', 'ping', 'server/discover', 'tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read',
  'resources/subscribe', 'resources/unsubscribe', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel',
  'tasks/get', 'tasks/update', 'tasks/cancel', 'sampling/createMessage', 'elicitation/create', 'roots/list',
];
const NOTIFICATIONS = ['notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/roots/list_changed', 'notifications/message'];

/** A value for a field: usually plausible, often any JSON, sometimes hostile or deep. */
function field<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: plausible },
    { weight: 3, arbitrary: anyJson },
    { weight: 1, arbitrary: hostileObject },
    { weight: 1, arbitrary: fc.constant(deepMarker) },
  );
}

/** Drops absent fields: `undefined` means "leave the key out". */
function present(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function optional<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arbitrary, { nil: undefined, freq: 3 });
}

const version = fc.oneof(fc.constant(MODERN_VERSION), fc.constantFrom(...LEGACY_VERSIONS), fc.constantFrom('2099-01-01', ''));

const capabilities = fc.oneof(
  fc.constant({}),
  fc.constant({ elicitation: {}, sampling: {}, roots: {} }),
  fc.constant({ extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} }),
  anyJson,
);

/** Request `_meta`: modern keys (mostly valid, so requests get past them), progress tokens, log levels. */
const meta = fc.oneof(
  { weight: 12, arbitrary: fc.record({ c: fc.constantFrom({}, { elicitation: {}, sampling: {}, roots: {} }, { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} }), p: optional(fc.oneof(fc.string({ maxLength: 4 }), fc.integer())), l: optional(fc.constantFrom('debug', 'error')) }).map(({ c, p, l }) =>
    present({ 'io.modelcontextprotocol/protocolVersion': MODERN_VERSION, 'io.modelcontextprotocol/clientCapabilities': c, 'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' }, progressToken: p, 'io.modelcontextprotocol/logLevel': l }),
  ) },
  { weight: 2, arbitrary: fc.record({ v: field(version), c: field(capabilities), p: optional(field(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()))), l: optional(field(fc.constantFrom('debug', 'error', 'loud'))) }).map(({ v, c, p, l }) =>
    present({ 'io.modelcontextprotocol/protocolVersion': v, 'io.modelcontextprotocol/clientCapabilities': c, 'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' }, progressToken: p, 'io.modelcontextprotocol/logLevel': l }),
  ) },
  { weight: 1, arbitrary: anyJson },
);

const toolArguments = fc.record(
  {
    text: field(fc.string({ maxLength: 20 })),
    a: field(fc.oneof(fc.integer(), fc.constant(1e308))),
    b: field(fc.oneof(fc.integer(), fc.constant(1e308))),
    region: field(fc.constantFrom('us-west1', 'eu')),
    message: field(fc.string({ maxLength: 10 })),
    question: field(fc.string({ maxLength: 10 })),
    ms: field(fc.integer({ min: 0, max: 20 })),
    choice: field(fc.constantFrom<unknown>({ a: 1 }, [1], 'x')),
    tags: field(fc.array(fc.oneof(fc.string({ maxLength: 3 }), hostileObject), { maxLength: 3 })),
    extra: anyJson,
  },
  { requiredKeys: [] },
);

/** Params for any method, with the fields MCP methods read. */
export const params = fc
  .record(
    {
      _meta: meta,
      name: field(fc.constantFrom(...TOOLS, 'greet')),
      uri: field(fc.constantFrom(...URIS)),
      arguments: field(toolArguments),
      cursor: field(fc.constantFrom('bzox', 'bzow', 'garbage', '')),
      ref: field(fc.record({ type: field(fc.constantFrom('ref/prompt', 'ref/resource', 'ref/other')), name: field(fc.constantFrom('greet', 'nope')), uri: field(fc.constantFrom('demo://items/{id}', ...URIS)) }, { requiredKeys: ['type'] })),
      argument: field(fc.record({ name: field(fc.constantFrom('name', 'id', 'constructor')), value: field(fc.string({ maxLength: 5 })) })),
      context: field(fc.record({ arguments: field(fc.dictionary(hostileKey, field(fc.string({ maxLength: 5 })), { maxKeys: 3 })) })),
      taskId: field(fc.string({ maxLength: 10 })),
      inputResponses: field(fc.dictionary(fc.constantFrom('elicitation-1', 'approval', '__proto__'), field(fc.constant({ action: 'accept', content: { answer: 'x' } })), { maxKeys: 2 })),
      requestState: field(fc.base64String({ maxLength: 60 })),
      protocolVersion: field(version),
      capabilities: field(capabilities),
      clientInfo: field(fc.constant({ name: 'fuzz', version: '1' })),
      level: field(fc.constantFrom('debug', 'info', 'emergency', 'loud')),
      notifications: field(fc.record({ toolsListChanged: field(fc.boolean()), resourceSubscriptions: field(fc.array(fc.constantFrom(...URIS), { maxLength: 2 })) }, { requiredKeys: [] })),
      requestId: field(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.string({ maxLength: 3 }))),
      reason: field(fc.string({ maxLength: 10 })),
    },
    { requiredKeys: ['_meta', 'name', 'uri', 'arguments', 'ref', 'argument'] },
  )
  .map((record) => record as Record<string, unknown>);

export const method = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
export const notificationMethod = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NOTIFICATIONS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/** A request id, valid or not. */
export const id = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.integer(), fc.string({ maxLength: 6 })) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.boolean(), fc.double(), hostileObject, rawNumber, fc.array(fc.integer(), { maxLength: 2 })) },
);

/** One message as the client would send it: mostly well-formed envelopes, sometimes not. */
export interface FuzzMessage {
  /** The JSON text to send. */
  text: string;
}

/** Shows `value` in fast-check's reports as `show()` says: the texts here can be 100 KiB. */
export function shownAs<T extends object>(value: T, show: () => string): T {
  return Object.defineProperty(value, fc.toStringMethod, { value: show, enumerable: false });
}

/** At most 600 characters of `text`, with its length when cut. */
export function excerpt(text: string): string {
  return text.length > 600 ? `${text.slice(0, 600)}... (${text.length} characters)` : text;
}

function fuzzMessage(text: string): FuzzMessage {
  return shownAs({ text }, () => `{ text: ${JSON.stringify(excerpt(text))} }`);
}

/** A JSON-RPC error member, often with a code or message of the wrong kind (1e300 and 2^53 are not safe integers). */
const wireError = fc.record(
  {
    code: fc.oneof(fc.integer({ min: -32768, max: 32767 }), fc.constantFrom<unknown>(1.5, 1e300, 2 ** 53, -(2 ** 53) + 1, '-32000', null)),
    message: fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 10 }) }, { weight: 1, arbitrary: anyJson }),
    data: anyJson,
  },
  { requiredKeys: [] },
);

/** Envelope field values, including wrong types for every member. */
const envelope = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 10, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: anyJson }),
    kind: fc.constantFrom('request', 'request', 'request', 'notification', 'response', 'garbage'),
    id,
    method,
    notification: notificationMethod,
    params: fc.oneof({ weight: 10, arbitrary: params }, { weight: 1, arbitrary: anyJson }, { weight: 1, arbitrary: fc.constant(undefined) }),
    result: anyJson,
    error: fc.oneof(anyJson, wireError),
    extra: fc.option(fc.dictionary(hostileKey, anyJson, { maxKeys: 2 }), { nil: undefined }),
  },
  { requiredKeys: ['jsonrpc', 'kind', 'id', 'method', 'notification', 'params'] },
);

export const message: fc.Arbitrary<FuzzMessage> = fc
  .tuple(envelope, fc.option(deepText, { nil: undefined, freq: 8 }))
  .map(([e, deep]) => {
    let value: unknown;
    switch (e.kind) {
      case 'request':
        value = present({ ...e.extra, jsonrpc: e.jsonrpc, id: e.id, method: e.method, params: e.params });
        break;
      case 'notification':
        value = present({ ...e.extra, jsonrpc: e.jsonrpc, method: e.notification, params: e.params });
        break;
      case 'response':
        value = present({ jsonrpc: e.jsonrpc, id: e.id, result: e.result, error: e.error });
        break;
      default:
        value = e.params;
    }
    return fuzzMessage(toJsonText(value, deep ?? '[]'));
  });
