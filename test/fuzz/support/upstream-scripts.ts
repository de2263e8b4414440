/**
 * Generators for a hostile upstream's script (test/fixtures/scripted-upstream.ts): answers of
 * the wrong shape for every method the gateway forwards or lists (a well-formed answer with one
 * member replaced by junk, junk whole, errors well- and ill-formed, an answer twice, a line that
 * is no JSON, no answer at all), and lines sent before the answer: list_changed floods,
 * notifications with garbage params, progress for tokens nobody gave, answers to requests never
 * sent or under the request's own id, requests to the gateway with garbage params.
 */
import fc from 'fast-check';
import { anyJson, deepText, hostileObject, toJsonText } from './arbitraries.ts';

const DEEP = { '\u0000deep': true };
const STAMP = '2026-01-01T00:00:00Z';
const text = { type: 'text', text: 'a' };

/** Well-formed answers of each method an upstream is asked, to break one member of. */
const VALID: Record<string, unknown[]> = {
  'tools/call': [
    { content: [text] },
    { content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }, { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' }], isError: false },
    { content: [{ type: 'resource_link', uri: 's://r', name: 'r' }], structuredContent: { a: 1 } },
    { content: [{ type: 'resource', resource: { uri: 's://r', text: 't' } }, { type: 'resource', resource: { uri: 's://b', blob: 'AAAA' } }], _meta: { k: 1 } },
    { resultType: 'task', taskId: 't1', status: 'working', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null },
    { resultType: 'input_required', inputRequests: { q: { method: 'elicitation/create', params: { message: 'm', requestedSchema: { type: 'object', properties: {} } } } }, requestState: 's' },
  ],
  'resources/read': [{ contents: [{ uri: 's://r', text: 'r', mimeType: 'text/plain' }] }, { contents: [{ uri: 's://r', blob: 'AAAA' }] }],
  'prompts/get': [{ description: 'd', messages: [{ role: 'user', content: text }, { role: 'assistant', content: { type: 'resource', resource: { uri: 's://r', text: 't' } } }] }],
  'completion/complete': [{ completion: { values: ['a', 'b'], total: 2, hasMore: false } }],
  'tasks/get': [
    { taskId: 'abc', status: 'completed', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null, result: { content: [text] } },
    { taskId: 'abc', status: 'working', statusMessage: 's', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: 1000, pollIntervalMs: 10 },
    { taskId: 'abc', status: 'failed', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null, error: { code: -32603, message: 'failed' } },
    { taskId: 'abc', status: 'input_required', createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null, inputRequests: { q: { method: 'roots/list' } } },
  ],
  'tools/list': [{ tools: [{ name: 't', description: 'd', inputSchema: { type: 'object', properties: { a: { type: 'string' } } }, annotations: { readOnlyHint: true } }, { name: 'u', inputSchema: { type: 'object' }, outputSchema: { type: 'object' }, icons: [{ src: 'https://x/i.png' }] }] }],
  'prompts/list': [{ prompts: [{ name: 'p', arguments: [{ name: 'a', required: true }] }, { name: 'q', title: 'Q' }] }],
  'resources/list': [{ resources: [{ uri: 's://r', name: 'r', mimeType: 'text/plain', size: 1 }, { uri: 's://q', name: 'q', annotations: { priority: 0.5, audience: ['user'] } }] }],
  'resources/templates/list': [{ resourceTemplates: [{ uriTemplate: 's://items/{id}', name: 'item' }] }],
};
export const SCRIPTED_METHODS = Object.keys(VALID);

const junk = fc.oneof({ weight: 6, arbitrary: anyJson }, { weight: 2, arbitrary: hostileObject }, { weight: 1, arbitrary: fc.constant(DEEP) }, { weight: 1, arbitrary: fc.constant(undefined) });

/** Every place in `value` (as paths of keys and indices), the root included. */
function places(value: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (typeof value === 'object' && value !== null) for (const [key, child] of Object.entries(value)) places(child, [...at, Array.isArray(value) ? Number(key) : key], out);
  return out;
}

/** `value` with the member at `path` replaced by `by` (left out when `by` is undefined). */
function replaced(value: unknown, path: Array<string | number>, by: unknown): unknown {
  if (path.length === 0) return by;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  const [head, ...rest] = path;
  if (rest.length === 0 && by === undefined) {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head];
  } else copy[head] = replaced(copy[head], rest, by);
  return copy;
}

/** An answer of `method`: mostly a well-formed one broken in one place, as JSON text. */
function resultText(method: string, modern: boolean): fc.Arbitrary<string> {
  const broken = fc.tuple(fc.constantFrom(...VALID[method]), fc.nat(), junk, fc.boolean()).map(([valid, at, by, keepType]) => {
    const paths = places(valid);
    let result = replaced(valid, paths[at % paths.length], by) as Record<string, unknown>;
    if (modern && keepType && typeof result === 'object' && result !== null && !Array.isArray(result) && result.resultType === undefined) result = { ...result, resultType: 'complete' };
    return result;
  });
  const whole = fc.oneof(fc.constantFrom(...VALID[method]), anyJson, fc.constant(DEEP));
  return fc.tuple(fc.oneof({ weight: 6, arbitrary: broken }, { weight: 1, arbitrary: whole }), deepText).map(([value, deep]) => toJsonText(value, deep));
}

const errorMember = fc.oneof(
  { weight: 3, arbitrary: fc.record({ code: fc.constantFrom(-32603, -32602, -32601, -32000, 42), message: fc.string({ maxLength: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ code: fc.constantFrom(-32603, 1.5), message: fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom<unknown>(5, null)), data: junk }, { requiredKeys: ['code', 'message'] }) },
  { weight: 1, arbitrary: junk },
);

export interface ScriptedAnswer {
  kind: 'result' | 'error' | 'twice' | 'line' | 'silent';
  text?: string;
}

function answer(method: string, modern: boolean): fc.Arbitrary<ScriptedAnswer> {
  return fc.oneof(
    { weight: 12, arbitrary: resultText(method, modern).map((text) => ({ kind: 'result' as const, text })) },
    { weight: 2, arbitrary: fc.tuple(errorMember, deepText).map(([error, deep]) => ({ kind: 'error' as const, text: toJsonText(error, deep) })) },
    { weight: 1, arbitrary: resultText(method, modern).map((text) => ({ kind: 'twice' as const, text })) },
    { weight: 1, arbitrary: fc.constantFrom('not json', '{"jsonrpc":"2.0","id":__ID__}', '{"jsonrpc":"2.0","id":__ID__,"result":{},"error":{"code":1,"message":"both"}}', '[1,2]', '{"jsonrpc":"1.0","id":__ID__,"result":{}}').map((text) => ({ kind: 'line' as const, text })) },
  );
}

const KINDS = ['tools', 'prompts', 'resources'];
const notificationParams = fc.oneof(junk, fc.constant(undefined));

/** One line sent before the answer. */
const extra: fc.Arbitrary<string[]> = fc.oneof(
  // list_changed, one or a flood, with the listen's id (2026-07-28) or garbage params.
  fc.tuple(fc.constantFrom(...KINDS), fc.integer({ min: 1, max: 200 }), fc.boolean()).map(([kind, count, meta]) =>
    new Array(count).fill(`{"jsonrpc":"2.0","method":"notifications/${kind}/list_changed"${meta ? ',"params":{"_meta":{"io.modelcontextprotocol/subscriptionId":__LISTEN__}}' : ''}}`),
  ),
  fc.tuple(fc.constantFrom('notifications/progress', 'notifications/message', 'notifications/resources/updated', 'notifications/cancelled', 'notifications/tools/list_changed', 'notifications/whatever'), notificationParams, deepText).map(([method, params, deep]) => [toJsonText({ jsonrpc: '2.0', method, params }, deep)]),
  // Progress for the request's own token with garbage, and for tokens nobody gave.
  fc.tuple(fc.oneof(fc.constant('__TOKEN__'), anyJson.map((token) => JSON.stringify(token) ?? 'null')), junk, junk, deepText).map(([token, progress, message, deep]) => [
    `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":${token},"progress":${toJsonText(progress ?? 1, deep)},"message":${toJsonText(message ?? 'm', deep)}}}`,
  ]),
  fc.tuple(fc.constantFrom('info', 'debug', 'loud', 7), junk, junk, deepText).map(([level, data, logger, deep]) => [toJsonText({ jsonrpc: '2.0', method: 'notifications/message', params: { level, data: data ?? null, logger } }, deep)]),
  // Answers to requests never sent, and one under the request's own id before its answer.
  fc.tuple(fc.oneof(fc.constant('__ID__'), fc.constantFrom('999999', '"nobody"', 'null', '{}')), fc.boolean(), junk, deepText).map(([id, error, value, deep]) => [
    `{"jsonrpc":"2.0","id":${id},${error ? `"error":${toJsonText(value ?? {}, deep)}` : `"result":${toJsonText(value ?? {}, deep)}`}}`,
  ]),
  // Requests to the gateway, some with garbage params.
  fc.tuple(fc.constantFrom('ping', 'roots/list', 'elicitation/create', 'sampling/createMessage', 'tools/call', 'nothing'), notificationParams, fc.nat(1000), deepText).map(([method, params, n, deep]) => [toJsonText({ jsonrpc: '2.0', id: `up-${n}`, method, params }, deep)]),
  fc.constantFrom<string[]>(['garbage'], ['{'], ['[]'], ['{"jsonrpc":"2.0"}'], ['']),
);

export interface UpstreamScript {
  trigger: string;
  extras: string[];
  answers: Record<string, ScriptedAnswer>;
}

/** A script for one case: what the upstream answers `trigger` (and the lists), and the lines before. */
export function upstreamScript(trigger: string, modern: boolean): fc.Arbitrary<UpstreamScript> {
  const lists = ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list'];
  const answers = fc.record(Object.fromEntries([trigger, ...lists.filter((list) => list !== trigger)].map((method) => [method, answer(method, modern)])), { requiredKeys: [trigger] });
  return fc.record({ extras: fc.array(extra, { maxLength: 4 }).map((lines) => lines.flat()), answers }).map(({ extras, answers }) => ({ trigger, extras, answers: answers as Record<string, ScriptedAnswer> }));
}
