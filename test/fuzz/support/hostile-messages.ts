/**
 * Generators for what a hostile server says to the client: answers to the request it was sent
 * with the right id, another, none or a duplicate; results of the wrong shape for each method
 * the client reads (initialize, server/discover, lists, tools/call, resources/read,
 * prompts/get); JSON-RPC errors of any shape; notifications and server requests with garbage
 * params; text that is not JSON, deep nesting, and values large but within the client's bounds.
 * Each is rendered to one line of JSON text once the request's id is known.
 */
import fc from 'fast-check';
import { LATEST_LEGACY_VERSION, MODERN_VERSION } from '../../../src/protocol/versions.ts';
import { anyJson, deepText, excerpt, hostileObject, shownAs, toJsonText } from './arbitraries.ts';

/** Stands for the id of the request being answered; replaced when rendered. */
const ID = { '\u0000id': true };
/** Stands for deeply nested text; replaced when rendered. */
const DEEP = { '\u0000deep': true };

/** A message text, rendered for the id of the request it answers. */
export interface Said {
  render(id: unknown): string;
}

function said(value: unknown, deep: string): Said {
  const text = toJsonText(value, deep);
  return shownAs({ render: (id: unknown) => text.replace(/\{"\\u0000id":true\}/g, () => JSON.stringify(id) ?? 'null') }, () => JSON.stringify(excerpt(text)));
}

function raw(text: string): Said {
  return shownAs({ render: () => text }, () => `raw ${JSON.stringify(excerpt(text))}`);
}

/** Large, yet well within the bounds the fuzzed client is given (64 KiB a message). */
const bigText = fc.integer({ min: 1000, max: 40_000 }).map((length) => 'x'.repeat(length));

/** A value for a field the client reads: usually what belongs there, often anything. */
function field(plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 3, arbitrary: anyJson }, { weight: 1, arbitrary: hostileObject }, { weight: 1, arbitrary: fc.constant(DEEP) }, { weight: 1, arbitrary: bigText });
}

const content = fc.array(field(fc.constantFrom({ type: 'text', text: 'hi' }, { type: 'image', data: '', mimeType: 'image/png' }, { type: 'resource_link', uri: 'x://y', name: 'y' })), { maxLength: 3 });
const tool = field(fc.record({ name: field(fc.constantFrom('echo', '', 'a b')), inputSchema: field(fc.constantFrom({ type: 'object' }, { type: 'object', properties: { r: { type: 'string', 'x-mcp-header': 'Region' } } }, { type: 'object', properties: { r: { type: 'string', 'x-mcp-header': 'bad header' } } })) }, { requiredKeys: [] }));
const cursor = fc.option(field(fc.constantFrom('next', 'again', '')), { nil: undefined });

/** Results of every shape the client's methods read, most of them wrong. */
const result: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ content: field(content), isError: fc.option(field(fc.boolean()), { nil: undefined }), structuredContent: fc.option(anyJson, { nil: undefined }) }, { requiredKeys: ['content'] }),
  fc.record({ tools: field(fc.array(tool, { maxLength: 4 })), nextCursor: cursor, ttlMs: fc.option(field(fc.constantFrom(0, 1000, -1, 1e308)), { nil: undefined }) }, { requiredKeys: ['tools'] }),
  fc.record({ resources: field(fc.array(anyJson, { maxLength: 3 })), nextCursor: cursor }, { requiredKeys: ['resources'] }),
  fc.record({ contents: field(fc.array(field(fc.record({ uri: field(fc.constant('x://y')), text: field(fc.constant('t')), blob: field(fc.constant('AA==')) }, { requiredKeys: [] })), { maxLength: 3 })), ttlMs: fc.option(field(fc.constant(60_000)), { nil: undefined }) }, { requiredKeys: ['contents'] }),
  fc.record({ messages: field(fc.array(field(fc.record({ role: field(fc.constantFrom('user', 'assistant')), content: field(fc.constant({ type: 'text', text: 'p' })) })), { maxLength: 3 })), description: fc.option(field(fc.string()), { nil: undefined }) }, { requiredKeys: ['messages'] }),
  fc.record({ protocolVersion: field(fc.constantFrom(LATEST_LEGACY_VERSION, '2024-11-05', MODERN_VERSION, '')), capabilities: field(fc.constant({ tools: {} })), serverInfo: field(fc.constant({ name: 's', version: '1' })), instructions: fc.option(field(fc.string()), { nil: undefined }) }, { requiredKeys: ['protocolVersion'] }),
  fc.record({ resultType: field(fc.constant('complete')), supportedVersions: field(fc.constantFrom([MODERN_VERSION], [LATEST_LEGACY_VERSION], [])), capabilities: field(fc.constant({})), _meta: fc.option(field(fc.constant({ 'io.modelcontextprotocol/serverInfo': { name: 's', version: '1' } })), { nil: undefined }) }, { requiredKeys: ['supportedVersions'] }),
  fc.record({ resultType: fc.constant('input_required'), inputRequests: field(fc.constantFrom({ a: { method: 'roots/list' } }, { a: { method: 'elicitation/create', params: { message: 'm', requestedSchema: { type: 'object', properties: {} } } } }, { a: { method: 'nope' } })), requestState: fc.option(field(fc.string()), { nil: undefined }) }),
  anyJson,
  fc.constant(DEEP),
);

/** Whose id an answer carries. */
const answerId = fc.oneof({ weight: 6, arbitrary: fc.constant<unknown>(ID) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 0, 1, 2, 999, 'other', '1', -1, 1.5) }, { weight: 1, arbitrary: anyJson });

const wireError = field(fc.record({ code: field(fc.constantFrom(-32600, -32601, -32602, -32603, -32000, -32001, -32020, -32021, -32022, 0, 1.5, 1e300, '-32000')), message: field(fc.string({ maxLength: 30 })), data: fc.option(field(fc.constantFrom({ supported: [MODERN_VERSION] }, { supported: [LATEST_LEGACY_VERSION] }, { supported: 'all' })), { nil: undefined }) }, { requiredKeys: [] }));

const NOTIFICATIONS = ['notifications/progress', 'notifications/message', 'notifications/cancelled', 'notifications/tools/list_changed', 'notifications/resources/updated', 'notifications/resources/list_changed', 'notifications/x'];
const notificationParams = field(fc.record({ progressToken: field(fc.constant(ID)), progress: field(fc.constantFrom(1, 50)), total: fc.option(field(fc.constant(100)), { nil: undefined }), requestId: field(fc.constantFrom<unknown>(ID, 'q', 1)), uri: field(fc.constant('x://y')), level: field(fc.constant('info')), data: fc.option(anyJson, { nil: undefined }) }, { requiredKeys: [] }));

const QUESTIONS = ['elicitation/create', 'sampling/createMessage', 'roots/list', 'ping', 'tools/call', 'x'];
const questionParams = field(fc.record({ message: field(fc.string({ maxLength: 10 })), requestedSchema: field(fc.constant({ type: 'object', properties: {} })), messages: field(fc.constant([])), maxTokens: field(fc.constant(10)), _meta: fc.option(field(fc.record({ progressToken: field(fc.constant(ID)) })), { nil: undefined }) }, { requiredKeys: [] }));

/** Text that is not one JSON-RPC message. */
const garbage: fc.Arbitrary<Said> = fc.oneof(
  fc.string({ maxLength: 40 }).map(raw),
  fc.string({ unit: 'binary', maxLength: 40 }).map(raw),
  fc.constantFrom('{"jsonrpc":"2.0","id":', '[]', '[{"jsonrpc":"2.0","id":1,"result":{}}]', 'null', '"2.0"', '{"jsonrpc":"2.0","id":1,"result":{}}{"jsonrpc":"2.0"}', '\ufeff{}').map(raw),
  deepText.map(raw),
);

/** One message from a hostile server, most of them aimed at the request being answered. */
export const saying: fc.Arbitrary<Said> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id: answerId, result }) },
      { weight: 2, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id: answerId, error: wireError }) },
      { weight: 1, arbitrary: fc.record({ jsonrpc: field(fc.constant('2.0')), id: answerId, result: anyJson, error: anyJson }, { requiredKeys: ['id'] }) },
      { weight: 2, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constantFrom(...NOTIFICATIONS), params: notificationParams }) },
      { weight: 2, arbitrary: fc.record({ jsonrpc: fc.constant('2.0'), id: field(fc.constantFrom('q', 7, ID)), method: fc.constantFrom(...QUESTIONS), params: questionParams }) },
    ),
    deepText,
  )
  .map(([value, deep]) => said(value, deep))
  .chain((message) => fc.oneof({ weight: 8, arbitrary: fc.constant(message) }, { weight: 1, arbitrary: garbage }));
