/**
 * Turning validator output into messages an operator can act on: where the value came from
 * (a file or an MCP__ variable), the setting's name, the value found (secrets hidden) and what
 * was expected, e.g.
 * `MCP__HTTP__PORT: http.port is "eighty"; expected an integer from 0 to 65535`.
 */
import { childSchema, HIDDEN, hideSecrets, holdsSecrets, isPlainObject, knownKeys, resolveSchemaPath, type SchemaNode } from './schema-walk.ts';
import type { ValidationError } from './validator.ts';

/** Splits a JSON pointer (`/http/port`) into keys. */
export function pointerKeys(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `http.sessions.maxSessions`, `mcpServers["my.server"]`, `http.allowedOrigins[1]`. */
export function settingName(root: SchemaNode, keys: readonly string[]): string {
  let name = '';
  let node: SchemaNode | undefined = root;
  for (const key of keys) {
    if (node?.type === 'array' && /^\d+$/.test(key)) name += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) name += name === '' ? key : `.${key}`;
    else name += `[${JSON.stringify(key)}]`;
    node = childSchema(node, key);
  }
  return name === '' ? 'the configuration' : name;
}

function showValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The value at `keys` as an error shows it. A secret, or a value that may hold one and cannot
 * be walked to hide it (text where a section of secrets belongs), is "(hidden)"; an object
 * is shown with the secrets in it hidden.
 */
function shownValue(root: SchemaNode, keys: readonly string[], value: unknown): string {
  let node: SchemaNode | undefined = root;
  for (const key of keys) {
    node = childSchema(node, key);
    if (node?.writeOnly === true) return HIDDEN;
  }
  if (!holdsSecrets(node)) return showValue(value);
  return isPlainObject(value) ? showValue(hideSecrets(node, value)) : HIDDEN;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function range(node: SchemaNode): string {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = node as Record<string, number | undefined>;
  if (minimum !== undefined && maximum !== undefined) return ` from ${minimum} to ${maximum}`;
  const parts: string[] = [];
  if (minimum !== undefined) parts.push(`>= ${minimum}`);
  if (exclusiveMinimum !== undefined) parts.push(`> ${exclusiveMinimum}`);
  if (maximum !== undefined) parts.push(`<= ${maximum}`);
  if (exclusiveMaximum !== undefined) parts.push(`< ${exclusiveMaximum}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

/** What a schema accepts, in words: `an integer from 0 to 65535`, `a list of strings`. */
export function describeSchema(node: unknown): string {
  if (node === true) return 'any value';
  if (node === null || typeof node !== 'object') return 'nothing (no value is allowed)';
  const s = node as SchemaNode;
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (Object.hasOwn(s, 'const')) return `exactly ${JSON.stringify(s.const)}`;
  const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.map(describeSchema).join(', or ');
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length === 0) return 'a value matching the schema';
  return types.map((type) => describeType(type, s)).join(', or ');
}

function describeType(type: string, s: SchemaNode): string {
  switch (type) {
    case 'integer':
    case 'number':
      return `${article(type)}${range(s)}`;
    case 'boolean':
      return 'true or false';
    case 'string': {
      let text = s.minLength === 1 ? 'a non-empty string' : 'a string';
      if (typeof s.pattern === 'string') text += ` matching ${s.pattern}`;
      if (typeof s.format === 'string') text += ` (${s.format})`;
      return text;
    }
    case 'array': {
      const items = s.items as SchemaNode | undefined;
      if (items !== undefined && typeof items.type === 'string' && Object.keys(items).every((k) => k === 'type' || k === 'description')) {
        return `a list of ${items.type}s`;
      }
      return items === undefined ? 'a list' : `a list, each ${describeSchema(items)}`;
    }
    case 'object':
      return 'an object';
    case 'null':
      return 'null';
    default:
      return type;
  }
}

/** The closest known name, when one is close enough to be a likely typo. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** A sentence about an unknown key: what is known there, or the likely intended name. */
export function unknownKey(root: SchemaNode, parentKeys: readonly string[], key: string): string {
  let node: SchemaNode | undefined = root;
  for (const k of parentKeys) node = childSchema(node, k);
  const known = knownKeys(node);
  const name = settingName(root, [...parentKeys, key]);
  const guess = closest(key, known);
  if (guess !== undefined) return `${name} is not a known setting; did you mean ${settingName(root, [...parentKeys, guess])}?`;
  return known.length === 0 ? `${name} is not a known setting` : `${name} is not a known setting; known here: ${known.join(', ')}`;
}

/**
 * One line per problem, without the alternatives' own complaints when a oneOf/anyOf failed as
 * a whole (those would only repeat it), and one line per setting.
 */
export function describeErrors(
  root: SchemaNode,
  config: unknown,
  errors: readonly ValidationError[],
  sourceOf: (keys: readonly string[]) => string,
): string[] {
  const composite = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const error of errors) {
    // `if` only says its `then`/`else` failed; that failure has its own, clearer entry.
    if (error.keyword === 'if' || composite.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    let keys = pointerKeys(error.instancePath);
    let text: string;
    if (error.keyword === 'additionalProperties') {
      const extra = String(error.params.additionalProperty);
      text = unknownKey(root, keys, extra);
      keys = [...keys, extra];
    } else if (error.keyword === 'required') {
      text = `${settingName(root, keys)} needs ${JSON.stringify(error.params.missingProperty)}`;
    } else if (error.keyword === 'dependentRequired') {
      text = `${settingName(root, [...keys, String(error.params.property)])} needs ${settingName(root, [...keys, String(error.params.missingProperty)])} as well`;
      keys = [...keys, String(error.params.property)];
    } else {
      const value = keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined), config);
      const shown = shownValue(root, keys, value);
      const expected = describeSchema(resolveSchemaPath(root, error.schemaPath.slice(0, error.schemaPath.lastIndexOf('/'))));
      text = `${settingName(root, keys)} is ${shown}; expected ${expected}`;
    }
    const line = `${sourceOf(keys)}: ${text}`;
    const key = `${error.instancePath}|${error.keyword === 'additionalProperties' ? line : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(line);
  }
  return lines;
}
