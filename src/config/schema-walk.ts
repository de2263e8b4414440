/**
 * Walking the configuration's schema alongside a value: finding the schema of a key, filling
 * in defaults, hiding secrets. Only what config schemas use: `properties`,
 * `additionalProperties` (maps such as `mcpServers`) and `items`.
 */

export type SchemaNode = { readonly [keyword: string]: unknown };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `key` as an own data property, even `__proto__`, so validation sees and refuses it. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The schema of `key` inside an object described by `node`, if it has one. */
export function childSchema(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (node === undefined) return undefined;
  const properties = node.properties as Record<string, SchemaNode> | undefined;
  if (properties !== undefined && Object.hasOwn(properties, key)) return properties[key];
  if (isPlainObject(node.additionalProperties)) return node.additionalProperties as SchemaNode;
  if (node.type === 'array' && isPlainObject(node.items) && /^\d+$/.test(key)) return node.items as SchemaNode;
  return undefined;
}

/** Names the object described by `node` knows (its `properties`). */
export function knownKeys(node: SchemaNode | undefined): string[] {
  return isPlainObject(node?.properties) ? Object.keys(node.properties) : [];
}

/** Deep copy of a JSON value (defaults must never be shared between loads). */
export function copyJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * Fills in every default the schema declares, at every level (map entries and list items
 * included), without touching what is already set.
 */
export function applyDefaults(node: SchemaNode | undefined, value: unknown): void {
  if (node === undefined) return;
  if (Array.isArray(value)) {
    if (isPlainObject(node.items)) for (const item of value) applyDefaults(node.items as SchemaNode, item);
    return;
  }
  if (!isPlainObject(value)) return;
  const properties = isPlainObject(node.properties) ? (node.properties as Record<string, SchemaNode>) : {};
  for (const [key, child] of Object.entries(properties)) {
    if (!Object.hasOwn(value, key) && Object.hasOwn(child, 'default')) setOwn(value, key, copyJson(child.default));
    if (Object.hasOwn(value, key)) applyDefaults(child, value[key]);
  }
  if (isPlainObject(node.additionalProperties)) {
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(properties, key)) applyDefaults(node.additionalProperties as SchemaNode, value[key]);
    }
  }
}

/**
 * Whether a value for `node` may hold a secret: `node` is one, or has one anywhere below it (a
 * section such as `store`, a map of servers). Such a value given in the wrong shape, a URL with
 * its password where the `store.redis` section belongs, cannot be walked to hide what is in it.
 */
export function holdsSecrets(node: SchemaNode | undefined): boolean {
  if (!isPlainObject(node)) return false;
  if (node.writeOnly === true) return true;
  const below = [...(isPlainObject(node.properties) ? Object.values(node.properties) : []), node.additionalProperties, node.items];
  return below.some((child) => isPlainObject(child) && holdsSecrets(child as SchemaNode));
}

export const HIDDEN = '(hidden)';

/** A copy of `value` with every secret replaced by "(hidden)", keys in the schema's order. */
export function hideSecrets(node: SchemaNode | undefined, value: unknown): unknown {
  if (node?.writeOnly === true && value !== undefined) return HIDDEN;
  if (Array.isArray(value)) return value.map((item) => hideSecrets(node?.type === 'array' ? (node.items as SchemaNode) : undefined, item));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  const keys = new Set([...knownKeys(node).filter((key) => Object.hasOwn(value, key)), ...Object.keys(value)]);
  for (const key of keys) setOwn(out, key, hideSecrets(childSchema(node, key), value[key]));
  return out;
}

/** The schema node a validator's `schemaPath` (`#/properties/http/...`) points into. */
export function resolveSchemaPath(root: SchemaNode, schemaPath: string): unknown {
  let node: unknown = root;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (part === '') continue;
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
