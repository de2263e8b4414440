/**
 * The check of an accepted form-mode elicitation answer against its question's
 * `requestedSchema`: the spec asks clients to validate responses against the schema, and
 * servers to validate that received data matches it (client/elicitation, Security
 * Considerations). Both sides use this one check: the server on what a client answered, the
 * client on what its application's handler answers, before sending it.
 *
 * Two parts:
 * - `content` is a flat object of primitives, whatever the schema says (the spec restricts
 *   form schemas to such objects: strings, numbers, integers, booleans, and arrays of strings
 *   for multi-select enums), so a schema that leaves extra properties open still gets no nested
 *   objects through.
 * - `content` matches `requestedSchema` (absent content as `{}`, so an accept without content
 *   for a schema with required properties is wrong), compiled as tool schemas are
 *   (schema-validator.ts: the plain walk, else ajv with formats), the checks cached by the
 *   schema's JSON in a small LRU: a handler usually asks with the same schema every time.
 *
 * URL-mode questions and decline/cancel answers carry no content to check.
 */
import { describeValue, isObject, nestedDeeperThan } from './guards.ts';
import { LocalErrorCode, McpLocalError } from './local-errors.ts';
import { compileSchema, SCHEMA_LIMITS, type SchemaCheck } from './schema-validator.ts';

/** Distinct schemas whose compiled checks are kept; the least recently used goes first. */
export const ELICITATION_CHECKS_KEPT = 32;

/** A compiled check, or why the schema could not be compiled (thrown again for each answer). */
const checks = new Map<string, SchemaCheck | Error>();

export interface ElicitationCheckOptions {
  /**
   * Whether the schema's `pattern`s are run. True for a schema the caller wrote; false for one
   * a peer sent (the client's server, a gateway's upstream): a regular expression can take
   * exponential time on a crafted string, and the schema's author checks its own patterns.
   */
  patterns?: boolean;
}

/**
 * What is wrong with `answer` (an `elicitation/create` result) as an answer to the question
 * `params`, or undefined when nothing is (or there is nothing to check). Paths start at
 * `content`. Throws McpLocalError(MCP_ERR_INVALID_ARGUMENT) when `requestedSchema` itself is
 * not a schema that can be compiled.
 *
 * @example
 * const params = { message: 'Age?', requestedSchema: { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] } };
 * elicitationAnswerProblem(params, { action: 'accept', content: { age: 'ten' } }); // 'content/age must be integer'
 * elicitationAnswerProblem(params, { action: 'accept' }); // "content must have required property 'age'"
 * elicitationAnswerProblem(params, { action: 'decline' }); // undefined
 */
export function elicitationAnswerProblem(params: unknown, answer: unknown, options: ElicitationCheckOptions = {}): string | undefined {
  if (!isObject(answer) || answer.action !== 'accept') return undefined;
  if (!isObject(params) || params.mode === 'url') return undefined;
  const content = answer.content;
  if (content !== undefined) {
    const problem = notFlat(content);
    if (problem !== undefined) return problem;
  }
  const schema = params.requestedSchema;
  if (schema === undefined) return undefined;
  const problem = checkFor(schema, options.patterns !== false)(content ?? {});
  if (problem === undefined) return undefined;
  // The validators name the value `input` (tool arguments) and its parts `/name`, each of
  // their '; '-joined reasons; here the value is the content.
  return problem.replace(/(^|; )(?:input\b|(?=\/))/g, '$1content');
}

/** Why `content` is not an object of primitives (and arrays of strings), if it is not. */
function notFlat(content: unknown): string | undefined {
  if (!isObject(content)) return `content must be an object, not ${describeValue(content)}`;
  for (const key in content) {
    const value = content[key];
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) continue;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) continue;
    return `content/${key} must be a string, number, boolean or array of strings, not ${describeValue(value)}`;
  }
  return undefined;
}

function checkFor(schema: unknown, patterns: boolean): SchemaCheck {
  // Before anything walks it: a peer's schema may nest as deep as its JSON did.
  if (nestedDeeperThan(schema, SCHEMA_LIMITS.maxDepth + 1)) {
    throw new McpLocalError(LocalErrorCode.InvalidArgument, `Invalid JSON Schema: nested deeper than ${SCHEMA_LIMITS.maxDepth} levels`);
  }
  // Only JSON reaches here (a handler's schema is sent as JSON; a peer's was parsed from it).
  const key = (patterns ? 'p' : 'n') + JSON.stringify(schema);
  let check = checks.get(key);
  if (check !== undefined) {
    // Most recently used goes last.
    checks.delete(key);
    checks.set(key, check);
  } else {
    try {
      check = compileSchema(patterns ? schema : withoutPatterns(schema), { keep: false });
    } catch (error) {
      check = error as Error;
    }
    if (checks.size >= ELICITATION_CHECKS_KEPT) checks.delete(checks.keys().next().value!);
    checks.set(key, check);
  }
  if (check instanceof Error) throw check;
  return check;
}

/** Keywords whose values are data, not schemas: nothing inside them is a keyword. */
const DATA = new Set(['enum', 'const', 'default', 'examples']);

/** Keywords whose values map names (not keywords) to schemas. */
const NAMED_SCHEMAS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas']);

/**
 * A copy of `schema` that runs no regular expression: without its `pattern` keywords, nor
 * `patternProperties` (whose names are patterns).
 */
function withoutPatterns(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutPatterns);
  if (!isObject(schema)) return schema;
  const entries: Array<[string, unknown]> = [];
  for (const key in schema) {
    const value = schema[key];
    if (key === 'pattern' || key === 'patternProperties') continue;
    if (DATA.has(key)) entries.push([key, value]);
    else if (NAMED_SCHEMAS.has(key) && isObject(value)) entries.push([key, Object.fromEntries(Object.entries(value).map(([name, child]) => [name, withoutPatterns(child)]))]);
    else entries.push([key, withoutPatterns(value)]);
  }
  // Own properties whatever the keys (`__proto__` included).
  return Object.fromEntries(entries);
}
