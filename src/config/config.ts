/**
 * Settings for `mcp-core serve`, in layers: the defaults embedded in the schema, then each
 * config file in order (a base file, then overrides), then `MCP__SECTION__KEY` environment
 * variables. The merged result is validated against the configuration's JSON Schema
 * (schema.ts); each problem is reported with where the value came from, the setting's name,
 * the value (secrets hidden) and what was expected.
 *
 * @example
 * const config = await loadConfig(['base.yaml', 'production.yaml'], process.env);
 * config.http.port; // number
 */
import { extname } from 'node:path';
import { nestedDeeperThan } from '../protocol/guards.ts';
import { readFileUpTo } from '../protocol/bounded-file.ts';
import { describeErrors, settingName } from './errors.ts';
import { duplicateKey } from './json-keys.ts';
import type { DuplicateKey } from './yaml-keys.ts';
import { EnvNameError, envLayer, settingsFromEnv } from './env.ts';
import { CONFIG_SCHEMA, SECTIONS } from './schema.ts';
import { applyDefaults, copyJson, isPlainObject, setOwn, type SchemaNode } from './schema-walk.ts';
import type { SettingsOf } from '../protocol/schema-types.ts';
import type { ConfigValidator } from './validator.ts';

/** The effective settings, typed from the schema. */
export type Config = { -readonly [K in keyof typeof SECTIONS]: SettingsOf<(typeof SECTIONS)[K]> };

const ROOT = CONFIG_SCHEMA as unknown as SchemaNode;

/** The embedded defaults: what an empty config file gives. */
export const DEFAULT_CONFIG: Config = defaults();

function defaults(): Config {
  const config: Record<string, unknown> = {};
  applyDefaults(ROOT, config);
  return config as Config;
}

export class ConfigError extends Error {}

/**
 * A config file holds at most this much: it is read whole, at start and at each reload, and a
 * file replaced by a huge one (or a link to one) was read into memory whatever its size.
 */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;
/**
 * Settings nest a few levels deep; a document nested thousands deep overflowed the stack of
 * the layering (a RangeError that named neither the file nor the setting).
 */
export const MAX_CONFIG_DEPTH = 64;

/**
 * A parser's complaint without the file's text it quotes: V8's JSON errors quote the text
 * around the fault (`..."Secret": s3cr3t-val"...`), yaml's end with the line itself, and that
 * may be the line holding a secret. Where the fault is stays said (line and column).
 */
export function parseProblem(message: string, json: boolean): string {
  if (json) return message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, ' (the text there is not shown: it may hold a secret)');
  // yaml: `<problem> at line 2, column 23:\n\n<the line>\n<a caret>`.
  const frame = message.indexOf(':\n');
  return frame === -1 ? message : message.slice(0, frame);
}

/** Reads a JSON or YAML config file (YAML unless the name ends in .json). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    // A device such as /dev/null, or a pipe given at start, is read as a file is.
    text = (await readFileUpTo(path, MAX_CONFIG_FILE_BYTES)).toString('utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  const json = extname(path) === '.json';
  let value: unknown;
  let twice: DuplicateKey | undefined;
  try {
    // yaml is loaded only for YAML files: it is the largest thing on the startup path.
    if (json) value = JSON.parse(text);
    else ({ value, twice } = (await import('./yaml-keys.ts')).parseYaml(text));
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid ${json ? 'JSON' : 'YAML'}: ${parseProblem((error as Error).message, json)}`);
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new ConfigError(`Config file ${path} must hold an object (a map of sections), not ${Array.isArray(value) ? 'a list' : typeof value}`);
  if (nestedDeeperThan(value, MAX_CONFIG_DEPTH)) throw new ConfigError(`Config file ${path} nests deeper than ${MAX_CONFIG_DEPTH} levels`);
  if (json) twice = duplicateKey(text);
  if (twice !== undefined) throw new ConfigError(`Config file ${path} has the key ${JSON.stringify(twice.key)} twice in ${settingName(ROOT, twice.path.map(String))}`);
  return value;
}

/** The `MCP__` variables as one nested object of typed values. Throws for a name that is no setting. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  try {
    return envLayer(settingsFromEnv(ROOT, env));
  } catch (error) {
    if (error instanceof EnvNameError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Merges layers, remembering which source set each setting (for error messages). */
class Layers {
  readonly value: Record<string, unknown> = {};
  readonly #sources = new Map<string, string>();

  add(over: Record<string, unknown>, source: string, keys: string[] = [], base: Record<string, unknown> = this.value): void {
    for (const [key, value] of Object.entries(over)) {
      const path = [...keys, key];
      this.#sources.set(path.join('\0'), source);
      if (isPlainObject(value) && Object.hasOwn(base, key) && isPlainObject(base[key])) this.add(value, source, path, base[key] as Record<string, unknown>);
      else setOwn(base, key, copyJson(value));
    }
  }

  set(keys: readonly string[], value: unknown, source: string): void {
    let target = this.value;
    for (let i = 0; i < keys.length - 1; i++) {
      if (!Object.hasOwn(target, keys[i]) || !isPlainObject(target[keys[i]])) setOwn(target, keys[i], {});
      target = target[keys[i]] as Record<string, unknown>;
    }
    setOwn(target, keys[keys.length - 1], value);
    this.#sources.set(keys.join('\0'), source);
  }

  /**
   * The source of a setting: the last layer that set it or a section containing it, else one
   * that set something inside it (a section missing a required key).
   */
  sourceOf(keys: readonly string[]): string {
    for (let n = keys.length; n > 0; n--) {
      const source = this.#sources.get(keys.slice(0, n).join('\0'));
      if (source !== undefined) return source;
    }
    const prefix = keys.length === 0 ? '' : `${keys.join('\0')}\0`;
    for (const [path, source] of this.#sources) if (path.startsWith(prefix)) return source;
    return 'config';
  }
}

/**
 * Checks settings given in code rather than files (a manager's `mcpServers`): a copy gets the
 * defaults and is validated like a loaded configuration. The caller passes the validator
 * (config/validator.ts), which this module only loads when a file needs it. Throws
 * ConfigError naming every problem.
 *
 * @example
 * const config = checkConfig({ mcpServers: { files: { command: 'mcp-files' } } }, configValidator());
 * config.gateway.separator; // '__'
 */
export function checkConfig(settings: Record<string, unknown>, validator: ConfigValidator, source = 'config'): Config {
  const config = copyJson(settings);
  applyDefaults(ROOT, config);
  validate(config, validator, () => source);
  return config as Config;
}

function validate(config: Record<string, unknown>, validator: ConfigValidator, sourceOf: (keys: readonly string[]) => string): void {
  if (!validator(config)) {
    const lines = describeErrors(ROOT, config, validator.errors ?? [], sourceOf);
    throw new ConfigError(lines.length === 1 ? lines[0] : `invalid configuration:\n  ${lines.join('\n  ')}`);
  }
}

/**
 * Defaults, then `files` in order (later ones override earlier ones), then the environment.
 * Throws ConfigError naming every problem.
 */
export async function loadConfig(files: string | readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const paths = files === undefined ? [] : typeof files === 'string' ? [files] : files;
  const layers = new Layers();
  for (const path of paths) layers.add(await readConfigFile(path), path);
  let fromEnv;
  try {
    fromEnv = settingsFromEnv(ROOT, env, layers.value);
  } catch (error) {
    if (error instanceof EnvNameError) throw new ConfigError(error.message);
    throw error;
  }
  for (const setting of fromEnv) layers.set(setting.keys, setting.value, setting.variable);
  const config = layers.value;
  applyDefaults(ROOT, config);
  // Nothing set: the defaults are valid (a test holds them to the schema); skip the validator.
  if (paths.length === 0 && fromEnv.length === 0) return config as Config;
  const { configValidator } = await import('./validator.ts');
  validate(config, configValidator(), (keys) => layers.sourceOf(keys));
  return config as Config;
}

