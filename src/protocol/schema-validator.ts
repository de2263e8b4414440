/**
 * JSON Schema validation for tool inputs and outputs, compiled once per schema.
 *
 * Dialects: 2020-12 (the default when `$schema` is absent), 2019-09 and draft-07
 * (spec 2026-07-28, basic/index: JSON Schema usage). `$ref`s are resolved only inside the
 * schema itself: network references are never fetched, and a schema whose reference cannot
 * be resolved is rejected at registration rather than treated as permissive.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { LocalErrorCode, McpLocalError } from './local-errors.ts';
import { compileSimpleSchema, type SchemaCheck } from './simple-schema.ts';

export type { SchemaCheck };

// ajv is loaded on first need: plain schemas never need it (see simple-schema.ts).
const load = createRequire(import.meta.url);

/** Bounds against schemas built to exhaust the validator (spec: composition-keyword resource use). */
export const SCHEMA_LIMITS = { maxDepth: 64, maxSubschemas: 10_000 } as const;

const DIALECTS = {
  'https://json-schema.org/draft/2020-12/schema': '2020',
  'https://json-schema.org/draft/2019-09/schema': '2019',
  'http://json-schema.org/draft-07/schema': '07',
} as const;
type Dialect = (typeof DIALECTS)[keyof typeof DIALECTS];

const engines = new Map<Dialect, Ajv>();

type AjvClass = new (options: Options) => Ajv;

function newEngine(dialect: Dialect): Ajv {
  // strict: false because tool schemas legitimately carry annotations such as x-mcp-header.
  const options: Options = { strict: false, allErrors: false, validateSchema: true, addUsedSchema: false };
  const Engine: AjvClass =
    dialect === '2020' ? load('ajv/dist/2020.js').Ajv2020 : dialect === '2019' ? load('ajv/dist/2019.js').Ajv2019 : load('ajv').Ajv;
  const ajv = new Engine(options);
  (load('ajv-formats').default as (ajv: Ajv) => void)(ajv);
  return ajv;
}

function engine(dialect: Dialect): Ajv {
  let ajv = engines.get(dialect);
  if (ajv === undefined) engines.set(dialect, (ajv = newEngine(dialect)));
  return ajv;
}

/**
 * How many schemas an engine for schemas not kept compiles before it is replaced: an ajv engine
 * keeps something of every schema it compiled (its cache, and the values its generated code
 * refers to) for the engine's life, so one that compiled the schemas arriving with each
 * request would grow without end. A replaced engine lives on only in the checks it made.
 */
const TRANSIENT_COMPILES = 64;

const transientEngines = new Map<Dialect, { ajv: Ajv; compiles: number }>();

function transientEngine(dialect: Dialect): Ajv {
  let entry = transientEngines.get(dialect);
  if (entry === undefined || entry.compiles >= TRANSIENT_COMPILES) transientEngines.set(dialect, (entry = { ajv: newEngine(dialect), compiles: 0 }));
  entry.compiles++;
  return entry.ajv;
}

function dialectOf(schema: Record<string, unknown>): Dialect {
  const declared = schema.$schema;
  if (declared === undefined) return '2020';
  if (typeof declared !== 'string') throw invalidSchema('"$schema" must be a string');
  const dialect = DIALECTS[declared.replace(/#$/, '') as keyof typeof DIALECTS];
  if (!dialect) throw invalidSchema(`unsupported JSON Schema dialect ${declared}; supported: 2020-12, 2019-09, draft-07`);
  return dialect;
}

function invalidSchema(reason: string): McpLocalError {
  return new McpLocalError(LocalErrorCode.InvalidArgument, `Invalid JSON Schema: ${reason}`);
}

function checkBounds(schema: unknown): void {
  let count = 0;
  const visit = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object') return;
    if (depth > SCHEMA_LIMITS.maxDepth) throw invalidSchema(`nested deeper than ${SCHEMA_LIMITS.maxDepth} levels`);
    if (++count > SCHEMA_LIMITS.maxSubschemas) throw invalidSchema(`more than ${SCHEMA_LIMITS.maxSubschemas} subschemas`);
    for (const child of Array.isArray(node) ? node : Object.values(node)) visit(child, depth + 1);
  };
  visit(schema, 0);
}

export function formatErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors
    .map((e) => {
      const where = e.instancePath === '' ? 'input' : e.instancePath;
      const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
      return `${where} ${e.message ?? 'is invalid'}${extra}`;
    })
    .join('; ');
}

/** What a value an object comparison throws on is refused with (see compileSchema). */
const UNCOMPARABLE = 'input holds an object with a "toString" or "valueOf" of its own, which the schema\'s values cannot be compared with';

export interface CompileOptions {
  /**
   * Whether what ajv keeps of the schema lives as long as the process: true (the default) for
   * schemas registered once; false for a caller that bounds its own cache of checks, e.g. of
   * schemas that arrive with each request (see {@link TRANSIENT_COMPILES}).
   */
  keep?: boolean;
}

/**
 * Compiles `schema` into a check. Throws McpLocalError(MCP_ERR_INVALID_ARGUMENT) for a schema
 * that is malformed, of an unsupported dialect, too large, or has an unresolvable `$ref`.
 *
 * @example
 * const check = compileSchema({ type: 'object', required: ['a'] });
 * check({}) // "input must have required property 'a'"
 */
export function compileSchema(schema: unknown, options: CompileOptions = {}): SchemaCheck {
  if (typeof schema === 'boolean') return schema ? () => undefined : () => 'no value is allowed';
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw invalidSchema('a schema must be an object');
  checkBounds(schema);
  const dialect = dialectOf(schema as Record<string, unknown>);
  const simple = compileSimpleSchema(schema);
  if (simple !== undefined) return simple;
  const ajv = options.keep === false ? transientEngine(dialect) : engine(dialect);
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw invalidSchema((error as Error).message);
  }
  return (value) => {
    try {
      return validate(value) ? undefined : formatErrors(validate.errors);
    } catch (error) {
      // A recursive schema (or uniqueItems) follows the value as deep as it goes; a value nested
      // deeper than the call stack allows is refused rather than failing the whole request.
      if (error instanceof RangeError) return 'input is nested too deeply to validate';
      // ajv compares objects (const, enum, uniqueItems) with fast-deep-equal, which calls an
      // object's own `toString` or `valueOf` when it has one: from JSON, a string or a number
      // there throws (it was a -32603 and an "unexpected error" report). The value is the
      // client's, and so is the fault; such a value is refused even where a later branch of an
      // anyOf would have taken it, since the comparison cannot be made.
      if (error instanceof TypeError) return UNCOMPARABLE;
      throw error;
    }
  };
}
