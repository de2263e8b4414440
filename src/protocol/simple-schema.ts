/**
 * A small validator for the plain schemas most tools declare: types, properties, required,
 * additionalProperties, enum/const, items, and numeric and length bounds. Schemas that use
 * anything else go to ajv (schema-validator.ts).
 *
 * Why it exists: loading ajv and generating code for a schema costs tens of milliseconds, most
 * of a stdio server's time from spawn to first response. Plain schemas need none of that, and
 * a direct walk checks them about as fast. Failures read like ajv's, so clients see one style.
 */

/** Returns undefined when `value` is valid, otherwise a human-readable reason. */
export type SchemaCheck = (value: unknown) => string | undefined;

type Node = (value: unknown, path: string) => string | undefined;

/** Keywords that only annotate; they never change what is valid. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly', '$schema', '$id']);

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function where(path: string): string {
  return path === '' ? 'input' : path;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return typeOf(value) === 'object';
    default:
      return typeOf(value) === type;
  }
}

/** Unicode code points, as JSON Schema counts string length. */
function lengthOf(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdbff) length++;
  }
  return length;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Compiles one (sub)schema, or returns undefined when it needs more than this validator knows. */
function compileNode(schema: unknown): Node | undefined {
  if (schema === true) return () => undefined;
  if (schema === false) return (_value, path) => `${where(path)} boolean schema is false`;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const s = schema as Record<string, unknown>;
  const checks: Node[] = [];
  for (const key of Object.keys(s)) {
    if (ANNOTATIONS.has(key) || key.startsWith('x-')) continue;
    const check = compileKeyword(key, s[key], s);
    if (check === undefined) return undefined;
    if (check !== null) checks.push(check);
  }
  if (checks.length === 0) return () => undefined;
  if (checks.length === 1) return checks[0];
  return (value, path) => {
    for (const check of checks) {
      const problem = check(value, path);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** One keyword's check; null when it has nothing to check on its own; undefined if unsupported. */
function compileKeyword(key: string, arg: unknown, schema: Record<string, unknown>): Node | null | undefined {
  switch (key) {
    case 'type': {
      const types = Array.isArray(arg) ? arg : [arg];
      if (types.length === 0 || !types.every((t) => typeof t === 'string' && TYPES.has(t))) return undefined;
      const names = types as string[];
      return (value, path) => (names.some((t) => hasType(value, t)) ? undefined : `${where(path)} must be ${names.join(',')}`);
    }
    case 'properties':
      return compileProperties(arg);
    case 'required': {
      if (!Array.isArray(arg) || !arg.every((name) => typeof name === 'string')) return undefined;
      const names = arg as string[];
      return (value, path) => {
        if (typeOf(value) !== 'object') return undefined;
        for (const name of names) {
          if (!Object.hasOwn(value as object, name)) return `${where(path)} must have required property '${name}'`;
        }
        return undefined;
      };
    }
    case 'additionalProperties': {
      const known = schema.properties !== null && typeof schema.properties === 'object' ? new Set(Object.keys(schema.properties)) : new Set<string>();
      if (arg === false) {
        return (value, path) => {
          if (typeOf(value) !== 'object') return undefined;
          for (const name of Object.keys(value as object)) {
            if (!known.has(name)) return `${where(path)} must NOT have additional properties '${name}'`;
          }
          return undefined;
        };
      }
      const extra = compileNode(arg);
      if (extra === undefined) return undefined;
      return (value, path) => {
        if (typeOf(value) !== 'object') return undefined;
        for (const [name, child] of Object.entries(value as object)) {
          if (known.has(name)) continue;
          const problem = extra(child, `${path}/${name}`);
          if (problem !== undefined) return problem;
        }
        return undefined;
      };
    }
    case 'items': {
      const item = compileNode(arg);
      if (item === undefined) return undefined;
      return (value, path) => {
        if (!Array.isArray(value)) return undefined;
        for (let i = 0; i < value.length; i++) {
          const problem = item(value[i], `${path}/${i}`);
          if (problem !== undefined) return problem;
        }
        return undefined;
      };
    }
    case 'enum': {
      if (!Array.isArray(arg)) return undefined;
      const allowed = arg;
      return (value, path) => (allowed.some((option) => sameJson(option, value)) ? undefined : `${where(path)} must be equal to one of the allowed values`);
    }
    case 'const':
      return (value, path) => (sameJson(arg, value) ? undefined : `${where(path)} must be equal to constant`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return compileBound(key, arg);
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems':
      return compileSize(key, arg);
    default:
      return undefined;
  }
}

function compileProperties(arg: unknown): Node | undefined {
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) return undefined;
  const entries: Array<[string, Node]> = [];
  for (const [name, child] of Object.entries(arg)) {
    const check = compileNode(child);
    if (check === undefined) return undefined;
    entries.push([name, check]);
  }
  return (value, path) => {
    if (typeOf(value) !== 'object') return undefined;
    for (const [name, check] of entries) {
      if (!Object.hasOwn(value as object, name)) continue;
      const problem = check((value as Record<string, unknown>)[name], `${path}/${name}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

function compileBound(key: string, arg: unknown): Node | undefined {
  if (typeof arg !== 'number') return undefined;
  const [holds, op] =
    key === 'minimum' ? [(n: number) => n >= arg, '>='] : key === 'maximum' ? [(n: number) => n <= arg, '<='] : key === 'exclusiveMinimum' ? [(n: number) => n > arg, '>'] : [(n: number) => n < arg, '<'];
  return (value, path) => (typeof value !== 'number' || holds(value) ? undefined : `${where(path)} must be ${op} ${arg}`);
}

function compileSize(key: string, arg: unknown): Node | undefined {
  if (!Number.isInteger(arg) || (arg as number) < 0) return undefined;
  const limit = arg as number;
  const isMin = key.startsWith('min');
  const forStrings = key.endsWith('Length');
  const unit = forStrings ? 'character' : 'item';
  return (value, path) => {
    if (forStrings ? typeof value !== 'string' : !Array.isArray(value)) return undefined;
    const size = forStrings ? lengthOf(value as string) : (value as unknown[]).length;
    if (isMin ? size >= limit : size <= limit) return undefined;
    return `${where(path)} must NOT have ${isMin ? 'fewer' : 'more'} than ${plural(limit, unit)}`;
  };
}

/**
 * A check for `schema` if it only uses the keywords above (with no `$ref`, composition,
 * conditionals, patterns or formats anywhere), else undefined.
 */
export function compileSimpleSchema(schema: unknown): SchemaCheck | undefined {
  const node = compileNode(schema);
  return node === undefined ? undefined : (value) => node(value, '');
}
