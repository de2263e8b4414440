/**
 * An upstream's definitions (tools, prompts, resources, templates) and answers (tool calls,
 * prompts, reads) checked against the spec's types (schema.json: Tool, Prompt, Resource,
 * ResourceTemplate, CallToolResult, GetPromptResult, ReadResourceResult and what they hold)
 * before the gateway passes them on. One upstream's malformed entry must not reach the
 * aggregate: clients such as the official SDKs check a whole `tools/list` answer and fail it
 * for one bad item, which would lose every upstream's tools; and an entry nested thousands of
 * levels deep overflows the stack of `JSON.stringify` wherever the list is written out.
 *
 * Only what the gateway passes on is checked, and only the types: an entry that fails is left
 * out and reported, the others of its upstream are offered; an answer that fails becomes an
 * error naming the upstream, instead of a result its caller's client refuses without saying
 * whose it is. An upstream's questions to its caller (ElicitRequestParams,
 * CreateMessageRequestParams) are checked the same way before they are passed on (see
 * question-guard.ts).
 */
import { isObject, MAX_JSON_DEPTH, nestedDeeperThan } from '../protocol/guards.ts';

type Json = Record<string, unknown>;
type Kind = 'string' | 'boolean' | 'number' | 'object' | 'array';

/** What is wrong with a value: where in it (`''` for the value itself), and what. */
type Problem = [at: string, says: string];

/** Checks one value; returns what is wrong with it, or undefined. */
type Check = (value: unknown) => Problem | undefined;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const kind = typeof value;
  return kind === 'object' ? 'an object' : `a ${kind}`;
}

function is(kind: Kind, value: unknown): boolean {
  return kind === 'object' ? isObject(value) : kind === 'array' ? Array.isArray(value) : typeof value === kind;
}

/** `problem` of a value found at `step` (`.key` or `[index]`) of its parent. */
function under(step: string, [at, says]: Problem): Problem {
  return [step + (at === '' || at.startsWith('[') ? at : `.${at}`), says];
}

/**
 * An object whose `fields` have the given kinds when present (and, for a field given as a
 * check, pass it), `required` ones present.
 */
function object(fields: Record<string, Kind | Check>, required: readonly string[] = []): Check {
  return (value) => {
    if (!isObject(value)) return ['', `is ${kindOf(value)}, not an object`];
    for (const key of required) if (value[key] === undefined) return ['', `has no ${key}`];
    for (const key in fields) {
      const field = value[key];
      if (field === undefined) continue;
      const want = fields[key];
      if (typeof want === 'string') {
        if (!is(want, field)) return [key, `is ${kindOf(field)}, not ${want === 'array' || want === 'object' ? 'an' : 'a'} ${want}`];
      } else {
        const problem = want(field);
        if (problem !== undefined) return under(key, problem);
      }
    }
    return undefined;
  };
}

/** An array whose items pass `item`. */
function arrayOf(item: Check): Check {
  return (value) => {
    if (!Array.isArray(value)) return ['', `is ${kindOf(value)}, not an array`];
    for (let index = 0; index < value.length; index++) {
      const problem = item(value[index]);
      if (problem !== undefined) return under(`[${index}]`, problem);
    }
    return undefined;
  };
}

function which(test: (value: unknown) => boolean, says: string): Check {
  return (value) => (test(value) ? undefined : ['', says]);
}

const string = which((value) => typeof value === 'string', 'is not a string');

/** An input or output schema: an object schema at the root (spec: Tool.inputSchema). */
const objectSchema: Check = (value) => {
  const properties = which((props) => isObject(props) && Object.values(props).every(isObject), 'is not an object of schema objects');
  const problem = object({ properties, required: arrayOf(string) })(value);
  if (problem !== undefined) return problem;
  return (value as Json).type === 'object' ? undefined : ['type', 'is not "object"'];
};

const icons = arrayOf(object({ src: 'string', mimeType: 'string', sizes: arrayOf(string), theme: 'string' }, ['src']));

const annotations = object({
  audience: arrayOf(which((role) => role === 'user' || role === 'assistant', 'is not "user" or "assistant"')),
  priority: which((priority) => typeof priority === 'number' && priority >= 0 && priority <= 1, 'is not a number from 0 to 1'),
  lastModified: 'string',
});

const described = { title: 'string', description: 'string', icons, _meta: 'object' } as const;

const CHECKS = {
  tool: object({
    name: 'string',
    ...described,
    inputSchema: objectSchema,
    outputSchema: objectSchema,
    annotations: object({ title: 'string', readOnlyHint: 'boolean', destructiveHint: 'boolean', idempotentHint: 'boolean', openWorldHint: 'boolean' }),
  }, ['name']),
  prompt: object({ name: 'string', ...described, arguments: arrayOf(object({ name: 'string', title: 'string', description: 'string', required: 'boolean' }, ['name'])) }, ['name']),
  resource: object({ uri: 'string', name: 'string', ...described, mimeType: 'string', size: 'number', annotations }, ['uri', 'name']),
  template: object({ uriTemplate: 'string', name: 'string', ...described, mimeType: 'string', annotations }, ['uriTemplate', 'name']),
};

export type EntryKind = keyof typeof CHECKS;

const blockMeta = { annotations, _meta: 'object' } as const;
/**
 * Base64 as the spec's `format: byte` members (blob, image and audio data) are read by
 * clients: WHATWG forgiving-base64, which `atob` decodes (ASCII whitespace ignored, padding
 * optional). Checked without decoding.
 */
function isBase64(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let text = /[\t\n\f\r ]/.test(value) ? value.replace(/[\t\n\f\r ]/g, '') : value;
  if (text.length % 4 === 0) text = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  return text.length % 4 !== 1 && /^[A-Za-z0-9+/]*$/.test(text);
}
const base64 = which(isBase64, 'is not base64');

/** TextResourceContents or BlobResourceContents: one of `text` and `blob` is required. */
const resourceContents: Check = (value) => {
  const problem = object({ uri: 'string', mimeType: 'string', text: 'string', blob: base64, _meta: 'object' }, ['uri'])(value);
  if (problem !== undefined) return problem;
  const contents = value as Json;
  return contents.text === undefined && contents.blob === undefined ? ['', 'has neither text nor blob'] : undefined;
};
const BLOCKS: Record<string, Check> = {
  text: object({ text: 'string', ...blockMeta }, ['text']),
  image: object({ data: base64, mimeType: 'string', ...blockMeta }, ['data', 'mimeType']),
  audio: object({ data: base64, mimeType: 'string', ...blockMeta }, ['data', 'mimeType']),
  resource_link: object({ uri: 'string', name: 'string', ...blockMeta }, ['uri', 'name']),
  resource: object({ resource: resourceContents, ...blockMeta }, ['resource']),
};

/**
 * A content block: a type the spec defines (ContentBlock is a closed union), with that type's
 * fields. A block of another type is refused whole by clients such as the official SDKs.
 */
const block: Check = (value) => {
  if (!isObject(value)) return ['', `is ${kindOf(value)}, not an object`];
  if (typeof value.type !== 'string') return ['type', `is ${kindOf(value.type)}, not a string`];
  const check = Object.hasOwn(BLOCKS, value.type) ? BLOCKS[value.type] : undefined;
  return check === undefined ? ['type', `is ${JSON.stringify(value.type.slice(0, 40))}, not a content block type`] : check(value);
};

const callResult = object({ content: arrayOf(block), structuredContent: 'object', isError: 'boolean', _meta: 'object' });

/** A `tools/call` result (or a task handle: tasks extension). */
const toolResult: Check = (value) => {
  const problem = callResult(value);
  if (problem !== undefined) return problem;
  const result = value as Json;
  // A task handle (tasks extension) has no content; a result with structuredContent alone gets it as text.
  return result.content === undefined && result.structuredContent === undefined && result.resultType !== 'task' ? ['', 'has no content'] : undefined;
};

/** Role (spec): who a prompt message is from. */
const role = which((value) => value === 'user' || value === 'assistant', 'is not "user" or "assistant"');

/** A task's status (tasks extension: TaskStatus). */
const TASK_STATUSES = new Set<unknown>(['working', 'input_required', 'completed', 'failed', 'cancelled']);
const taskStatus = which((value) => TASK_STATUSES.has(value), 'is not a task status');
const TASK_NEEDS: Record<string, string> = { input_required: 'inputRequests', completed: 'result', failed: 'error' };

/** An integer the spec's schema allows (`minimum`/`maximum` ±2^53-1). */
const integer = which(Number.isSafeInteger, 'is not an integer');

/** A value that passes `check`, or null. */
function nullOr(check: Check): Check {
  return (value) => (value === null ? undefined : check(value));
}

/** A task's own members (tasks extension: Task), which a task handle and a `tasks/get` answer share. */
const TASK_FIELDS = { taskId: 'string', status: taskStatus, statusMessage: 'string', createdAt: 'string', lastUpdatedAt: 'string', ttlMs: nullOr(integer), pollIntervalMs: integer, _meta: 'object' } as const;
const TASK_REQUIRED = ['taskId', 'status', 'createdAt', 'lastUpdatedAt', 'ttlMs'];

/**
 * A task handle (tasks extension: CreateTaskResult), the answer to a call made as a task: the
 * gateway names its `taskId` for the caller, who then asks after the task by it.
 */
const taskHandle: Check = (value) => callResult(value) ?? object(TASK_FIELDS, TASK_REQUIRED)(value);

const RESULTS: Record<string, Check> = {
  'tools/call': (value) => (isObject(value) && value.resultType === 'task' ? taskHandle(value) : toolResult(value)),
  'prompts/get': object({ description: 'string', messages: arrayOf(object({ role, content: block }, ['role', 'content'])), _meta: 'object' }, ['messages']),
  'resources/read': object({ contents: arrayOf(resourceContents), _meta: 'object' }, ['contents']),
  // Tasks extension: a task's state, and the call's result once it completed (a result, never another handle).
  'tasks/get': (value) => {
    const problem = object({ ...TASK_FIELDS, result: toolResult, error: 'object', inputRequests: 'object' }, TASK_REQUIRED)(value);
    if (problem !== undefined) return problem;
    const task = value as Json;
    // What each status carries (tasks extension: DetailedTask).
    const needs = TASK_NEEDS[task.status as string];
    if (needs !== undefined && task[needs] === undefined) return ['', `is ${task.status as string} and has no ${needs}`];
    if (task.status === 'failed') {
      const error = object({ code: integer, message: 'string' }, ['code', 'message'])(task.error);
      if (error !== undefined) return under('error', error);
    }
    const result = task.result;
    return isObject(result) && result.resultType === 'task' ? ['result', 'is a task handle, not the result of the call'] : undefined;
  },
  'tasks/update': object({ _meta: 'object' }),
  'tasks/cancel': object({ _meta: 'object' }),
  'completion/complete': object({ completion: object({ values: arrayOf(string), total: integer, hasMore: 'boolean' }, ['values']), _meta: 'object' }, ['completion']),
};

/** A sampling message's content: one content block, or an array of them (spec: SamplingMessage). */
const samplingContent: Check = (value) => (Array.isArray(value) ? arrayOf(block)(value) : block(value));

const elicitation = object({
  message: 'string',
  mode: 'string',
  requestedSchema: object({ type: 'string', properties: 'object', required: arrayOf(string) }, ['type', 'properties']),
  url: 'string',
  elicitationId: 'string',
  _meta: 'object',
}, ['message']);

const QUESTIONS: Record<string, Check> = {
  'elicitation/create': (value) => {
    const problem = elicitation(value);
    if (problem !== undefined) return problem;
    // Form mode (the default) asks through a requestedSchema, URL mode sends the user to a url.
    const params = value as Json;
    if (params.mode === 'url') return params.url === undefined ? ['', 'has no url'] : undefined;
    return params.requestedSchema === undefined ? ['', 'has no requestedSchema'] : undefined;
  },
  'sampling/createMessage': object({
    messages: arrayOf(object({ role: 'string', content: samplingContent, _meta: 'object' }, ['role', 'content'])),
    maxTokens: 'number',
    systemPrompt: 'string',
    _meta: 'object',
  }, ['messages', 'maxTokens']),
};

/**
 * What keeps an upstream's answer to `method` (`tools/call`, `prompts/get`, `resources/read`,
 * `completion/complete`, the tasks extension's `tasks/get`, `tasks/update`, `tasks/cancel`)
 * from being passed on, or undefined when nothing does (or the method is not one of these).
 * A task handle answers only a call made as a task (`asTask`; tasks extension: a server
 * returns one only to a request that opted in): passed on, it reached a caller that never
 * asked for one, under the upstream's own task id.
 *
 * @example
 * resultProblem('tools/call', { content: [], isError: 'yes' }); // 'isError is a string, not a boolean'
 */
export function resultProblem(method: string, result: unknown, asTask = false): string | undefined {
  if (!asTask && method === 'tools/call' && isObject(result) && result.resultType === 'task') return 'it is a task handle, but the call was not made as a task';
  return problemIn(RESULTS, method, result);
}

/**
 * What keeps an upstream's question (`elicitation/create`, `sampling/createMessage`: its
 * params) from being passed on to a caller, or undefined when nothing does (or the method is
 * not one of these).
 *
 * @example
 * questionProblem('elicitation/create', { message: 7 }); // 'message is a number, not a string'
 */
export function questionProblem(method: string, params: unknown): string | undefined {
  return problemIn(QUESTIONS, method, params);
}

/**
 * What keeps an upstream's JSON-RPC error from being passed on as it is, or undefined: its data
 * nested deeper than 1,000 levels (the gateway could not write it out again). One that is no
 * JSON-RPC error (a code that is not an integer, ...) never gets here: the client fails the
 * request with a MalformedAnswerError.
 *
 * @example
 * errorProblem({ data: JSON.parse('[[[...]]]') }); // 'data nests deeper than 1000 levels'
 */
export function errorProblem(error: { data?: unknown }): string | undefined {
  return nestedDeeperThan(error.data, MAX_JSON_DEPTH) ? `data nests deeper than ${MAX_JSON_DEPTH} levels` : undefined;
}

function problemIn(checks: Record<string, Check>, method: string, value: unknown): string | undefined {
  const check = checks[method];
  return check === undefined ? undefined : problemOf(check, value);
}

/**
 * What keeps an upstream's definition from being offered, or undefined when nothing does.
 *
 * @example
 * entryProblem('tool', { name: 'a', inputSchema: { type: 'object' } }); // undefined
 * entryProblem('tool', { name: 'a', inputSchema: 'none' });            // 'inputSchema is a string, not an object'
 */
export function entryProblem(kind: EntryKind, entry: unknown): string | undefined {
  return problemOf(CHECKS[kind], entry);
}

/** What `check` finds wrong with `value` as a phrase, else whether it nests too deep to be written out. */
function problemOf(check: Check, value: unknown): string | undefined {
  const problem = check(value);
  if (problem !== undefined) return `${problem[0] === '' ? 'it' : problem[0]} ${problem[1]}`;
  return nestedDeeperThan(value, MAX_JSON_DEPTH) ? `it nests deeper than ${MAX_JSON_DEPTH} levels` : undefined;
}
