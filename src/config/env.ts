/**
 * Settings from the environment: `MCP__SECTION__KEY=value`, one variable per setting, nested
 * keys joined with `__` (`MCP__HTTP__SESSIONS__MAXSESSIONS=500`). Names match the schema's
 * keys without regard to case; keys of maps (such as `mcpServers`) are taken as written.
 *
 * Values are typed by the schema: numbers and booleans are parsed, lists are comma-separated
 * (or JSON), objects are JSON. A value that does not parse is kept as text, so the validator
 * reports it with the variable's name and what was expected.
 */
import { childSchema, isPlainObject, knownKeys, setOwn, type SchemaNode } from './schema-walk.ts';

export const ENV_PREFIX = 'MCP__';

/** One variable's contribution: the setting's keys and its typed value. */
export interface EnvSetting {
  variable: string;
  keys: string[];
  value: unknown;
}

/** Thrown for a variable that names no setting. */
export class EnvNameError extends Error {}

function typesOf(node: SchemaNode | undefined): string[] {
  if (node === undefined) return [];
  if (Array.isArray(node.type)) return node.type as string[];
  return typeof node.type === 'string' ? [node.type] : [];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The value of `text` for a setting described by `node`. */
export function typedValue(node: SchemaNode | undefined, text: string): unknown {
  const types = typesOf(node);
  const trimmed = text.trim();
  if (types.length === 1) {
    switch (types[0]) {
      case 'string':
        return text;
      case 'integer':
      case 'number':
        return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
      case 'boolean': {
        const lower = trimmed.toLowerCase();
        return lower === 'true' ? true : lower === 'false' ? false : text;
      }
      case 'array': {
        if (trimmed.startsWith('[')) return parseJson(trimmed);
        const items = isPlainObject(node?.items) ? (node!.items as SchemaNode) : undefined;
        return trimmed === '' ? [] : trimmed.split(',').map((part) => typedValue(items, part.trim()));
      }
      default:
        return parseJson(trimmed);
    }
  }
  // No single declared type (a choice of shapes, or a union): JSON when it parses, else text.
  return trimmed.startsWith('{') || trimmed.startsWith('[') || types.length > 1 ? parseJson(trimmed) : text;
}

/**
 * Reads every `MCP__` variable, in name order. `existing` is the configuration so far, whose
 * map keys an upper-case variable name may refer to (`MCP__MCPSERVERS__GITHUB__URL` reaches
 * a server named `github`).
 */
export function settingsFromEnv(root: SchemaNode, env: NodeJS.ProcessEnv, existing: unknown = {}): EnvSetting[] {
  const out: EnvSetting[] = [];
  for (const variable of Object.keys(env).sort()) {
    const raw = env[variable];
    if (!variable.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const parts = variable.slice(ENV_PREFIX.length).split('__');
    let node: SchemaNode | undefined = root;
    let current: unknown = existing;
    const keys: string[] = [];
    for (const part of parts) {
      const known = knownKeys(node).find((k) => k.toLowerCase() === part.toLowerCase());
      let key: string;
      if (known !== undefined) key = known;
      else if (isPlainObject(node?.additionalProperties) && part !== '') {
        key = isPlainObject(current) ? (Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase()) ?? part) : part;
      } else {
        const where = keys.length === 0 ? 'the configuration' : keys.join('.');
        const names = knownKeys(node);
        throw new EnvNameError(`${variable} does not name a setting${names.length > 0 ? `; ${where} has: ${names.join(', ')}` : ''}`);
      }
      keys.push(key);
      node = childSchema(node, key);
      current = isPlainObject(current) && Object.hasOwn(current, key) ? current[key] : undefined;
    }
    out.push({ variable, keys, value: typedValue(node, raw) });
  }
  return out;
}

/** The settings as one nested object (for tests and tools that want the layer itself). */
export function envLayer(settings: readonly EnvSetting[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { keys, value } of settings) {
    let target = out;
    for (const key of keys.slice(0, -1)) {
      if (!Object.hasOwn(target, key) || !isPlainObject(target[key])) setOwn(target, key, {});
      target = target[key] as Record<string, unknown>;
    }
    setOwn(target, keys[keys.length - 1], value);
  }
  return out;
}
