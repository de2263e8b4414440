/**
 * Settings for `mcp-core serve`: embedded defaults, then a JSON or YAML file, then the
 * environment (`MCP__SECTION__KEY`, e.g. `MCP__HTTP__PORT=8080`). Every value is checked, and a
 * wrong one is reported with its path and where it came from.
 */
import { extname } from 'node:path';

export interface Config {
  server: { name: string; version: string; instructions?: string; requestStateSecret?: string };
  http: {
    host: string;
    port: number;
    path: string;
    allowedOrigins?: string[];
    allowedHosts?: string[];
    maxBodyBytes: number;
    sessions: { enabled: boolean; idleTimeoutMs: number; maxSessions: number };
  };
  stdio: { enabled: boolean; maxMessageBytes: number };
  demo: boolean;
  /** HTTP server processes sharing the port (node:cluster). */
  workers: number;
}

export const DEFAULT_CONFIG: Config = {
  server: { name: 'mcp-core', version: '0.1.0' },
  http: {
    host: '127.0.0.1',
    port: 3000,
    path: '/mcp',
    maxBodyBytes: 4 * 1024 * 1024,
    sessions: { enabled: true, idleTimeoutMs: 30 * 60_000, maxSessions: 10_000 },
  },
  stdio: { enabled: false, maxMessageBytes: 64 * 1024 * 1024 },
  demo: false,
  workers: 1,
};

export class ConfigError extends Error {}

/** `count`: a whole number, at least 1; `port`: a whole number up to 65535 (0 picks a free one). */
type Shape = 'string' | 'number' | 'count' | 'port' | 'boolean' | 'string[]' | { [key: string]: Shape };

const SHAPE: Shape = {
  server: { name: 'string', version: 'string', instructions: 'string', requestStateSecret: 'string' },
  http: {
    host: 'string',
    port: 'port',
    path: 'string',
    allowedOrigins: 'string[]',
    allowedHosts: 'string[]',
    maxBodyBytes: 'count',
    sessions: { enabled: 'boolean', idleTimeoutMs: 'number', maxSessions: 'count' },
  },
  stdio: { enabled: 'boolean', maxMessageBytes: 'count' },
  demo: 'boolean',
  workers: 'count',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks `value` against `shape`, returning a reason for the first mismatch. */
function check(value: unknown, shape: Shape, path: string): string | undefined {
  if (typeof shape === 'object') {
    if (!isObject(value)) return `${path} must be an object`;
    for (const [key, child] of Object.entries(value)) {
      if (!(key in shape)) return `${path}.${key} is not a known setting`;
      const problem = check(child, shape[key], `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (shape === 'string[]') return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : `${path} must be a list of strings`;
  if (shape === 'number') return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : `${path} must be a non-negative number`;
  if (shape === 'count') return Number.isInteger(value) && (value as number) >= 1 ? undefined : `${path} must be a whole number, at least 1`;
  if (shape === 'port') return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535 ? undefined : `${path} must be a port number from 0 to 65535`;
  return typeof value === shape ? undefined : `${path} must be a ${shape}`;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? merge(out[key] as Record<string, unknown>, value) : value;
  }
  return out;
}

/** Reads a JSON or YAML config file. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    const { readFile } = await import('node:fs/promises');
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    // yaml is loaded only for YAML files: it is the largest thing on the startup path.
    value = extname(path) === '.json' ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (!isObject(value)) throw new ConfigError(`Config file ${path} must hold an object`);
  const problem = check(value, SHAPE, 'config');
  if (problem) throw new ConfigError(`${path}: ${problem}`);
  return value;
}

/** Settings from `MCP__A__B=value` variables; values parse as JSON when they can. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('MCP__') || raw === undefined) continue;
    const path = name.slice(5).split('__').map((part) => part.toLowerCase());
    let shape: Shape | undefined = SHAPE;
    const keys: string[] = [];
    for (const part of path) {
      const key: string | undefined = typeof shape === 'object' ? Object.keys(shape).find((k) => k.toLowerCase() === part) : undefined;
      if (key === undefined) throw new ConfigError(`${name} does not name a setting`);
      keys.push(key);
      shape = (shape as Record<string, Shape>)[key];
    }
    let value: unknown = raw;
    if (shape !== 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        value = shape === 'string[]' ? raw.split(',').map((s) => s.trim()) : raw;
      }
    }
    const problem = check(value, shape!, name);
    if (problem) throw new ConfigError(problem);
    let target = out;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]] = value;
  }
  return out;
}

/** Defaults, then the file, then the environment. */
export async function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let config = DEFAULT_CONFIG as unknown as Record<string, unknown>;
  if (file !== undefined) config = merge(config, await readConfigFile(file));
  config = merge(config, configFromEnv(env));
  return config as unknown as Config;
}
