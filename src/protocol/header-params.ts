/**
 * Values mirrored into HTTP headers (spec 2026-07-28, Streamable HTTP: request metadata):
 * `Mcp-Name`, and `Mcp-Param-{Name}` for tool parameters annotated with `x-mcp-header`.
 * Shared by the server (validating) and the client (sending).
 */
import { nestedDeeperThan } from './guards.ts';

/** One annotated parameter: the header's name part, and where its value sits in `arguments`. */
export interface HeaderParam {
  name: string;
  path: readonly string[];
  type: 'string' | 'integer' | 'boolean';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Deepest schema searched for annotations. Clients read schemas other servers send, and the
 * search recurses: a schema nested 20,000 deep must be refused, not overflow the stack.
 */
const MAX_SCHEMA_DEPTH = 64;
const SENTINEL = /^=\?base64\?(.*)\?=$/;
/** Visible ASCII and space/tab; anything else must be Base64-encoded. */
const PLAIN_VALUE = /^[\x20-\x7e\t]*$/;
/** Canonical Base64 with padding: decoders that shrug at junk must not be trusted here. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Finds the `x-mcp-header` annotations of an input schema. Returns a reason when one breaks
 * the spec's constraints (then the tool definition is invalid).
 */
export function extractHeaderParams(inputSchema: unknown): HeaderParam[] | string {
  const found: HeaderParam[] = [];
  const seen = new Set<string>();
  const walk = (schema: unknown, path: string[]): string | undefined => {
    if (schema === null || typeof schema !== 'object') return undefined;
    if (path.length > MAX_SCHEMA_DEPTH) return `the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`;
    const properties = (schema as Record<string, unknown>).properties;
    if (properties === null || typeof properties !== 'object') return undefined;
    for (const [key, child] of Object.entries(properties)) {
      if (child === null || typeof child !== 'object') continue;
      const annotation = (child as Record<string, unknown>)['x-mcp-header'];
      const childPath = [...path, key];
      if (annotation !== undefined) {
        if (typeof annotation !== 'string' || annotation === '' || !TOKEN.test(annotation)) {
          return `x-mcp-header of ${childPath.join('.')} must be a non-empty HTTP token`;
        }
        const lower = annotation.toLowerCase();
        if (seen.has(lower)) return `x-mcp-header ${annotation} is used twice`;
        seen.add(lower);
        const type = (child as Record<string, unknown>).type;
        if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
          return `x-mcp-header ${annotation} must annotate a string, integer or boolean parameter`;
        }
        found.push({ name: annotation, path: childPath, type });
      }
      const nested = walk(child, childPath);
      if (nested !== undefined) return nested;
    }
    return undefined;
  };
  const problem = walk(inputSchema, []);
  if (problem !== undefined) return problem;
  if (nestedDeeperThan(inputSchema, 2 * MAX_SCHEMA_DEPTH + 1)) return `the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`;
  if (containsAnnotationOutsideProperties(inputSchema, false)) return 'x-mcp-header may only annotate properties reachable through "properties"';
  return found;
}

/** Finds annotations under items, composition keywords, $defs and the like. */
function containsAnnotationOutsideProperties(node: unknown, insideOther: boolean): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some((item) => containsAnnotationOutsideProperties(item, true));
  const object = node as Record<string, unknown>;
  if (insideOther && object['x-mcp-header'] !== undefined) return true;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      for (const child of Object.values(value)) if (containsAnnotationOutsideProperties(child, insideOther)) return true;
    } else if (key !== 'x-mcp-header' && value !== null && typeof value === 'object') {
      if (containsAnnotationOutsideProperties(value, true)) return true;
    }
  }
  return false;
}

/** The value at `path` in `args`, or undefined. */
export function valueAt(args: unknown, path: readonly string[]): unknown {
  let value = args;
  for (const key of path) {
    // Own properties only: a parameter named "constructor" must not find Object's.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Encodes a value for a header, Base64 when it is not plain visible ASCII. */
export function encodeHeaderValue(value: string | number | boolean): string {
  const text = String(value);
  const plain = PLAIN_VALUE.test(text) && text.trim() === text && !SENTINEL.test(text);
  return plain ? text : `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/**
 * Decodes a header value; undefined when it has characters a header may not carry or is
 * malformed Base64 (wrong padding, characters outside the alphabet).
 */
export function decodeHeaderValue(value: string): string | undefined {
  const encoded = SENTINEL.exec(value);
  if (encoded) return BASE64.test(encoded[1]) ? Buffer.from(encoded[1], 'base64').toString('utf8') : undefined;
  return PLAIN_VALUE.test(value) ? value : undefined;
}

/** Whether a decoded header value matches a body value of the parameter's type. */
export function headerMatches(header: string, value: unknown, type: HeaderParam['type']): boolean {
  if (type === 'integer') return typeof value === 'number' && header.trim() !== '' && Number(header) === value;
  if (type === 'boolean') return typeof value === 'boolean' && header === String(value);
  return typeof value === 'string' && header === value;
}
