/**
 * The manager's configuration: upstreams under `mcpServers`, in the format desktop MCP clients
 * already use (`{ command, args, env, cwd }` for stdio, `{ url, headers }` for Streamable
 * HTTP), with per-upstream options beside them, and gateway-wide settings under `gateway`.
 *
 * The settings' schema is in config/sections (mcp-servers.ts, gateway.ts), checked with the
 * rest of the configuration; here they become plain resolved specs, with what a schema cannot
 * say checked too. A wrong value is reported with its path.
 */
import { checkConfig, ConfigError, type Config } from '../config/config.ts';
import type { gateway } from '../config/sections/gateway.ts';
import type { mcpServers } from '../config/sections/mcp-servers.ts';
import { configValidator } from '../config/validator.ts';
import type { FromSchema } from '../protocol/schema-types.ts';
import type { ClientAuthSettings } from '../client/auth/from-settings.ts';
import type { StderrBudget } from '../transport/stderr-lines.ts';

/** An upstream as written in a config file (see config/sections/mcp-servers.ts). */
export type UpstreamConfig = FromSchema<(typeof mcpServers)['additionalProperties']>;
/** `gateway` as written in a config file (see config/sections/gateway.ts). */
export type GatewayConfig = FromSchema<typeof gateway>;

/** What McpManager takes: `mcpServers` (and optionally `gateway`), or a whole mcp-core config. */
export interface ManagerConfig {
  mcpServers?: Record<string, UpstreamConfig>;
  gateway?: GatewayConfig;
  [section: string]: unknown;
}

export type TransportSpec =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string> | undefined; cwd: string | undefined; stderr: StderrBudget }
  | { kind: 'http'; url: string; headers: Record<string, string>; auth?: ClientAuthSettings; sse?: true };

/**
 * An upstream with every option resolved. Given in code (not through the config), its
 * timeouts (`timeoutMs`, `maxTotalTimeoutMs`, `connectTimeoutMs`, the gateway's
 * `inputTimeoutMs`) longer than a timer holds (2^31 - 1 ms, about 24.8 days; Infinity too)
 * bound nothing, and a `reconnect` delay that long is refused with a RangeError.
 */
export interface UpstreamSpec {
  name: string;
  transport: TransportSpec;
  enabled: boolean;
  required: boolean;
  era: 'auto' | 'modern' | 'legacy';
  timeoutMs: number;
  maxTotalTimeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  maxConcurrency: number;
  maxQueue: number;
  breaker: { consecutiveFailures: number; failureRate: number | undefined; window: number; halfOpenAfterMs: number };
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  tools: { allow: string[] | undefined; deny: string[] };
}

export interface GatewaySpec {
  separator: string;
  toolSearch: boolean;
  inputTimeoutMs: number;
  maxPendingInputs: number;
}

export interface ManagerSpec {
  upstreams: UpstreamSpec[];
  gateway: GatewaySpec;
}

/**
 * Why an upstream's name cannot go before `separator`, or undefined when it can. It must not
 * contain the separator, nor run into it: with `__`, `a_` is refused, as `a_` + `__` + `x`
 * reads `a` + `__` + `_x`, the name of upstream `a`'s tool `_x`; its tools, resources and
 * task ids would be another upstream's, or lead to it. The first separator of an exposed name
 * then always ends the upstream's part, and two upstreams can never expose the same name.
 *
 * @example
 * separatorProblem('files', '__'); // undefined
 * separatorProblem('files_', '__'); // 'an upstream\'s name must not end in a part of the separator "__" ...'
 */
export function separatorProblem(name: string, separator: string): string | undefined {
  if (name.includes(separator)) return `an upstream's name must not contain the separator "${separator}"`;
  const at = (name + separator).indexOf(separator);
  if (at === name.length) return undefined;
  return `an upstream's name must not end in a part of the separator "${separator}": "${name}${separator}x" would read as upstream "${name.slice(0, at)}"'s "${(name + separator).slice(at + separator.length)}x"`;
}

/**
 * Expands `${NAME}` and `${NAME:-default}` from the environment, as desktop clients do for
 * secrets kept out of the file. A variable that is not set and has no default is an error.
 */
function expand(text: string, path: string, env: NodeJS.ProcessEnv): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    // Empty counts as unset (as in the shell's ${NAME:-default}): said so, lest "not set" be doubted.
    throw new ConfigError(`${path} uses \${${name}}, which is ${value === '' ? 'empty' : 'not set'}`);
  });
}

function expandMap(map: Record<string, string> | undefined, path: string, env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  if (map === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) out[key] = expand(value, `${path}.${key}`, env);
  return out;
}

function transportOf(name: string, upstream: UpstreamConfig, defaults: Defaults, env: NodeJS.ProcessEnv): TransportSpec {
  const path = `mcpServers.${name}`;
  const { type, command, url } = upstream;
  if (command !== undefined && url !== undefined) throw new ConfigError(`${path}: give command (stdio) or url (HTTP), not both`);
  if (command !== undefined) {
    if (type !== undefined && type !== 'stdio') throw new ConfigError(`${path}.type is ${type}, but command starts a stdio server`);
    if (upstream.headers !== undefined) throw new ConfigError(`${path}.headers applies to url upstreams only`);
    if (upstream.auth !== undefined) throw new ConfigError(`${path}.auth applies to url upstreams only (a stdio server takes its credentials from env)`);
    return {
      kind: 'stdio',
      command: expand(command, `${path}.command`, env),
      args: (upstream.args ?? []).map((arg, index) => expand(arg, `${path}.args[${index}]`, env)),
      env: expandMap(upstream.env, `${path}.env`, env),
      cwd: upstream.cwd === undefined ? undefined : expand(upstream.cwd, `${path}.cwd`, env),
      // Part of how it is started: a change restarts it with the new budget.
      stderr: { ...defaults.stderr, ...upstream.stderr },
    };
  }
  if (url === undefined) throw new ConfigError(`${path}: command (a stdio server) or url (Streamable HTTP) is needed`);
  if (type === 'stdio') throw new ConfigError(`${path}.type is stdio, but url names an HTTP server`);
  for (const key of ['args', 'env', 'cwd', 'stderr'] as const) if (upstream[key] !== undefined) throw new ConfigError(`${path}.${key} applies to command upstreams only`);
  const expanded = expand(url, `${path}.url`, env);
  const auth = authOf(upstream.auth, `${path}.auth`);
  // Only the URL's parse is caught: an unset ${VAR} in headers must be reported as itself.
  let href: string;
  try {
    href = new URL(expanded).href;
  } catch {
    throw new ConfigError(`${path}.url is not a URL: ${JSON.stringify(expanded)}`);
  }
  const spec: TransportSpec = { kind: 'http', url: href, headers: expandMap(upstream.headers, `${path}.headers`, env) ?? {} };
  if (auth !== undefined) spec.auth = auth;
  // The 2024-11-05 HTTP+SSE transport, as desktop clients name it, for servers that never moved on.
  if (type === 'sse') spec.sse = true;
  return spec;
}

/** Which fields each kind of auth needs and takes; the schema cannot say it per kind. */
const OAUTH_COMMON = ['scope', 'issuer', 'timeoutMs'];
const AUTH_FIELDS: Record<ClientAuthSettings['type'], { needs: string[][]; takes: string[] }> = {
  bearer: { needs: [['token', 'tokenEnv']], takes: ['token', 'tokenEnv'] },
  oauth: { needs: [], takes: ['clientId', 'clientSecret', 'clientSecretEnv', 'tokenStore', 'callbackPort', 'clientMetadataUrl', ...OAUTH_COMMON] },
  client_credentials: {
    needs: [['clientId'], ['clientSecret', 'clientSecretEnv', 'privateKeyFile'], ['issuer']],
    takes: ['clientId', 'clientSecret', 'clientSecretEnv', 'privateKeyFile', 'signingAlgorithm', ...OAUTH_COMMON],
  },
  workload_identity: { needs: [['tokenFile'], ['issuer']], takes: ['tokenFile', 'clientId', ...OAUTH_COMMON] },
};

function authOf(auth: UpstreamConfig['auth'], path: string): ClientAuthSettings | undefined {
  if (auth === undefined) return undefined;
  const { needs, takes } = AUTH_FIELDS[auth.type];
  for (const field of Object.keys(auth)) {
    if (field !== 'type' && !takes.includes(field)) throw new ConfigError(`${path}.${field} does not apply to auth of type ${auth.type}`);
  }
  for (const options of needs) {
    if (!options.some((field) => (auth as Record<string, unknown>)[field] !== undefined)) throw new ConfigError(`${path}: auth of type ${auth.type} needs ${options.join(' or ')}`);
  }
  // A secret goes to the authorization server that issued it only (client/auth/from-settings.ts).
  if ((auth.clientSecret !== undefined || auth.clientSecretEnv !== undefined) && auth.issuer === undefined) {
    throw new ConfigError(`${path}: a client secret needs issuer, the authorization server that issued it`);
  }
  return auth as ClientAuthSettings;
}

type Defaults = Config['gateway']['defaults'];

function resolveUpstream(name: string, upstream: UpstreamConfig, defaults: Defaults, separator: string, env: NodeJS.ProcessEnv): UpstreamSpec {
  const path = `mcpServers.${name}`;
  const problem = separatorProblem(name, separator);
  if (problem !== undefined) throw new ConfigError(`${path}: ${problem}`);
  if (upstream.enabled !== undefined && upstream.disabled !== undefined && upstream.enabled === upstream.disabled) {
    throw new ConfigError(`${path}: enabled and disabled disagree`);
  }
  const reconnect = { ...defaults.reconnect, ...upstream.reconnect };
  if (reconnect.maxDelayMs < reconnect.initialDelayMs) throw new ConfigError(`${path}.reconnect.maxDelayMs must be at least initialDelayMs`);
  return {
    name,
    transport: transportOf(name, upstream, defaults, env),
    enabled: upstream.enabled ?? !(upstream.disabled ?? false),
    required: upstream.required ?? false,
    // An HTTP+SSE server predates the 2026-07-28 revision: no probe for it.
    era: upstream.era ?? (upstream.type === 'sse' ? 'legacy' : defaults.era),
    timeoutMs: upstream.timeoutMs ?? defaults.timeoutMs,
    maxTotalTimeoutMs: upstream.maxTotalTimeoutMs ?? defaults.maxTotalTimeoutMs,
    connectTimeoutMs: upstream.connectTimeoutMs ?? defaults.connectTimeoutMs,
    retries: upstream.retries ?? defaults.retries,
    maxConcurrency: upstream.maxConcurrency ?? defaults.maxConcurrency,
    maxQueue: upstream.maxQueue ?? defaults.maxQueue,
    breaker: { ...defaults.breaker, failureRate: defaults.breaker.failureRate, ...upstream.breaker },
    reconnect,
    tools: { allow: upstream.tools?.allow, deny: upstream.tools?.deny ?? [] },
  };
}

/**
 * Resolves validated settings (defaults filled in, as `loadConfig` returns them) into specs:
 * `${VAR}` expanded, `gateway.defaults` applied, and the rules a schema cannot say checked.
 * Throws ConfigError naming the setting.
 */
export function resolveManagerConfig(settings: Pick<Config, 'mcpServers' | 'gateway'>, env: NodeJS.ProcessEnv = process.env): ManagerSpec {
  const { gateway } = settings;
  return {
    upstreams: Object.entries(settings.mcpServers).map(([name, upstream]) => resolveUpstream(name, upstream, gateway.defaults, gateway.separator, env)),
    gateway: {
      separator: gateway.separator,
      toolSearch: gateway.toolSearch,
      inputTimeoutMs: gateway.inputTimeoutMs,
      maxPendingInputs: gateway.maxPendingInputs,
    },
  };
}

/**
 * Checks a manager configuration against the configuration schema and resolves every default.
 *
 * @example
 * const spec = parseManagerConfig({ mcpServers: { files: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] } } });
 * spec.upstreams[0].timeoutMs // 60000
 */
export function parseManagerConfig(config: ManagerConfig, env: NodeJS.ProcessEnv = process.env): ManagerSpec {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ConfigError('The manager\'s configuration must be an object with mcpServers');
  return resolveManagerConfig(checkConfig(config, configValidator()), env);
}

/** Whether two specs start the same upstream (a change of options alone keeps its connection). */
export function sameTransport(a: UpstreamSpec, b: UpstreamSpec): boolean {
  return JSON.stringify(a.transport) === JSON.stringify(b.transport) && a.era === b.era;
}
