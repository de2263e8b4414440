/**
 * Generators for a hostile caller of the gateway: a request of every method the gateway serves,
 * in either era, whose params aim at the gateway's routes (namespaced tool and prompt names,
 * namespaced URIs, task ids) with values of the wrong type everywhere: objects where strings
 * belong, null, strings and arrays of up to a MiB, deep nesting, control and bidirectional
 * characters in names. The upstreams behind it are `modern` and `legacy` (test/fixtures/upstream.ts).
 */
import fc from 'fast-check';
import { MODERN_VERSION } from '../../../src/protocol/versions.ts';
import { anyJson, deepText, excerpt, hostileKey, hostileObject, shownAs, toJsonText } from './arbitraries.ts';

/** Marks where deeply nested text goes in place of a value (see toJsonText). */
const DEEP = { '\u0000deep': true };
const TASKS = { 'io.modelcontextprotocol/tasks': {} };

/** Strings a careless handler mishandles: controls, bidi overrides, lone surrogates, the separator alone. */
const nasty = fc.constantFrom('', '__', '\u0000', 'a\u0000b', '\u202e', '\ud800', '\r\n', '%00', '../..', '{id}', '\u{1f600}'.repeat(3), 'modern__\u0000echo', 'modern\u202e__echo');

/** Big values, still well within the stdio message limit. */
const big = fc.oneof(
  fc.integer({ min: 1, max: 1 << 20 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 100_000 }).map((n) => new Array<unknown>(n).fill(0)),
  fc.integer({ min: 1, max: 10_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
);

/** Anything of the wrong type, now and then huge or deep. */
const junk = fc.oneof(
  { weight: 6, arbitrary: anyJson },
  { weight: 2, arbitrary: hostileObject },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: big },
  { weight: 1, arbitrary: fc.constant(DEEP) },
);

/** A value for a field: mostly plausible, often junk. */
function field<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 2, arbitrary: junk }, { weight: 1, arbitrary: fc.constant(undefined) });
}

/** A string built of plausible pieces and nasty ones, so names fail in every way but the first check. */
const mangled = (pieces: string[]) => fc.array(fc.oneof(fc.constantFrom(...pieces), nasty, fc.string({ maxLength: 4, unit: 'binary' })), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));

const TOOLS = ['modern__echo', 'legacy__echo', 'modern__work', 'modern__ask', 'legacy__ask', 'modern__roots', 'legacy__roots', 'modern__stats', 'modern__touch', 'modern__show_panel', 'modern__hang', 'nobody__echo', 'modern__', '__echo', 'modern', 'search_tools', 'call_tool'];
const PROMPTS = ['modern__hello', 'legacy__hello', 'nobody__hello', 'modern__', 'hello'];
const URIS = ['fixture://modern__info', 'fixture://legacy__info', 'ui://modern__widget/panel.html', 'fixture://nobody__info', 'fixture://modern__', 'fixture://__info', 'modern__info', 'fixture://info', 'x:', ''];

const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TOOLS, ...PROMPTS) }, { weight: 1, arbitrary: mangled([...TOOLS, ...PROMPTS]) });
const uri = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...URIS) }, { weight: 1, arbitrary: mangled(URIS) });

const toolArguments = fc.record(
  {
    text: field(fc.string({ maxLength: 20 })),
    ms: field(fc.integer({ min: 0, max: 20 })),
    question: field(fc.string({ maxLength: 10 })),
    uri: field(uri),
    query: field(fc.constantFrom('echo', 'text', 'work task', '')),
    limit: field(fc.integer({ min: -1, max: 60 })),
    name: field(name),
    arguments: field(fc.record({ text: field(fc.string({ maxLength: 5 })) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

const modernMeta = fc
  .record({
    tasks: fc.boolean(),
    asks: fc.boolean(),
    logLevel: fc.option(field(fc.constantFrom('debug', 'error')), { nil: undefined, freq: 3 }),
    progressToken: fc.option(field(fc.oneof(fc.string({ maxLength: 4 }), fc.integer())), { nil: undefined, freq: 3 }),
  })
  .map(({ tasks, asks, logLevel, progressToken }) => ({
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': { ...(asks ? { elicitation: {}, roots: {} } : {}), ...(tasks ? { extensions: TASKS } : {}) },
    ...(logLevel === undefined ? {} : { 'io.modelcontextprotocol/logLevel': logLevel }),
    ...(progressToken === undefined ? {} : { progressToken }),
  }));

/** Methods the gateway serves in both eras (subscribe in 2025, listen and tasks in 2026 only: the others must refuse them). */
export const GATEWAY_METHODS = [
  'tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read', 'resources/subscribe', 'resources/unsubscribe',
  'prompts/list', 'prompts/get', 'completion/complete', 'subscriptions/listen', 'tasks/get', 'tasks/update', 'tasks/cancel', 'logging/setLevel', 'ping',
] as const;

const cursor = { cursor: field(fc.constantFrom('', 'garbage', 'bzox')) };
const taskParams = {
  taskId: field(fc.oneof(fc.constantFrom('modern__', 'legacy__x', 'nobody__x', 'x'), fc.string({ maxLength: 12 }).map((id) => `modern__${id}`))),
  inputResponses: field(fc.dictionary(fc.oneof(fc.constantFrom('elicitation-1', '__proto__'), fc.string({ maxLength: 3 })), field(fc.constant({ action: 'accept', content: { answer: 'x' } })), { maxKeys: 2 })),
};
/** A retry of an input round (2026-07-28 multi round-trip): answers, and the state of the round. */
const round = { inputResponses: taskParams.inputResponses, requestState: field(fc.base64String({ maxLength: 40 })) };

/** The params each method reads, each member plausible or junk, and absent now and then. */
const PARAMS: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  'tools/list': cursor,
  'prompts/list': cursor,
  'resources/list': cursor,
  'resources/templates/list': cursor,
  'tools/call': { name: field(name), arguments: field(toolArguments) },
  'prompts/get': { name: field(name), arguments: field(fc.dictionary(fc.constantFrom('who', 'a', '__proto__'), field(fc.string({ maxLength: 5 })), { maxKeys: 2 })) },
  'resources/read': { uri: field(uri) },
  'resources/subscribe': { uri: field(uri) },
  'resources/unsubscribe': { uri: field(uri) },
  'completion/complete': {
    ref: field(fc.record({ type: field(fc.constantFrom('ref/prompt', 'ref/resource', 'ref/other')), name: field(name), uri: field(uri) }, { requiredKeys: ['type'] })),
    argument: field(fc.record({ name: field(fc.constantFrom('who', 'id', 'constructor')), value: field(fc.string({ maxLength: 5 })) })),
    context: field(fc.record({ arguments: field(fc.dictionary(hostileKey, field(fc.string({ maxLength: 5 })), { maxKeys: 3 })) })),
  },
  'subscriptions/listen': { notifications: field(fc.record({ toolsListChanged: field(fc.boolean()), resourceSubscriptions: field(fc.array(uri, { maxLength: 3 })) }, { requiredKeys: [] })) },
  'tasks/get': taskParams,
  'tasks/update': taskParams,
  'tasks/cancel': taskParams,
  'logging/setLevel': { level: field(fc.constantFrom('debug', 'error', 'loud')) },
  ping: {},
};

/** A method and its params: the method's own members (mostly all there), now and then a member of junk beside them. */
const methodAndParams = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...GATEWAY_METHODS) },
  // The routes to upstreams, more often.
  { weight: 6, arbitrary: fc.constantFrom('tools/call', 'tools/call', 'resources/read', 'prompts/get', 'completion/complete', 'tasks/get', 'tasks/update', 'tasks/cancel') },
  { weight: 1, arbitrary: mangled([...GATEWAY_METHODS]) },
).chain((method) =>
  fc.record({
    method: fc.constant(method),
    params: fc
      .tuple(fc.record(PARAMS[method] ?? {}), fc.option(fc.record(round), { nil: undefined, freq: 6 }), fc.option(fc.dictionary(hostileKey, junk, { maxKeys: 2 }), { nil: undefined, freq: 4 }))
      .map(([own, retry, extra]) => Object.fromEntries(Object.entries({ ...extra, ...retry, ...own }).filter(([, value]) => value !== undefined))),
  }),
);

/** One request to the gateway, as text, with what a test needs to judge its answer. */
export interface CallerCase {
  method: string;
  modern: boolean;
  /** The request's params without `_meta` (for a follow-up on the same task or round). */
  params: Record<string, unknown>;
  meta: Record<string, unknown> | undefined;
  /** The JSON text of the whole request, given its id. */
  text(id: string | number): string;
  /** The same for a gateway in tool-search mode: a call of an upstream's tool goes through call_tool. */
  searchText(id: string | number): string;
}

const SEARCH_TOOLS = new Set(['search_tools', 'call_tool']);

/**
 * A request of any gateway method: 2026-07-28 (with `_meta`, mostly valid) or 2025 (in the
 * stream's initialized session), its params of any shape, now and then not even an object.
 */
export const callerCase: fc.Arbitrary<CallerCase> = fc
  .record({
    request: methodAndParams,
    modern: fc.boolean(),
    meta: fc.oneof({ weight: 8, arbitrary: modernMeta }, { weight: 1, arbitrary: junk }),
    params: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }),
    deep: deepText,
  })
  .map(({ request, modern, meta, params: notParams, deep }) => ({ method: request.method, modern, meta, params: notParams ?? request.params, deep }))
  .map(({ method, modern, meta, params, deep }) => {
    const meta_ = modern ? (meta as Record<string, unknown>) : undefined;
    const body = typeof params === 'object' && params !== null && !Array.isArray(params) ? (params as Record<string, unknown>) : undefined;
    const text = (id: string | number) => {
      const sent = body === undefined ? params : { ...body, ...(modern ? { _meta: meta_ } : {}) };
      return toJsonText({ jsonrpc: '2.0', id, method, params: sent }, deep);
    };
    // The server takes a request for 2026-07-28 by its `_meta` protocolVersion, whatever its value.
    const era = typeof meta_ === 'object' && meta_ !== null && (meta_ as Record<string, unknown>)['io.modelcontextprotocol/protocolVersion'] !== undefined;
    const searchText = (id: string | number) => {
      if (method !== 'tools/call' || body === undefined || typeof body.name !== 'string' || SEARCH_TOOLS.has(body.name)) return text(id);
      const { name: tool, arguments: args, ...rest } = body;
      const sent = { ...rest, name: 'call_tool', arguments: { name: tool, arguments: args }, ...(modern ? { _meta: meta_ } : {}) };
      return toJsonText({ jsonrpc: '2.0', id, method, params: sent }, deep);
    };
    const kase: CallerCase = { method, modern: era && body !== undefined, params: body ?? {}, meta: meta_, text, searchText };
    return shownAs(kase, () => excerpt(text('id')));
  });

/** Answers a caller gives when a round or task asks it something: well-formed or not. */
export const inputResponses = field(fc.dictionary(fc.string({ maxLength: 12 }), field(fc.constantFrom({ action: 'accept', content: { answer: 'x' } }, { action: 'decline' }, { roots: [] })), { maxKeys: 3 }));
