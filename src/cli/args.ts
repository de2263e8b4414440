/**
 * Command-line parsing for `mcp-core`. Hand-rolled rather than node:util's parseArgs: loading
 * node:util costs a stdio server about an eighth of its time to first response.
 */

import type { ClientAuthSettings } from '../client/auth/from-settings.ts';
import { AUTH_OPTIONS, AUTH_USAGE, authSettings } from './auth-args.ts';
import { UsageError } from './usage-error.ts';

export interface ServeArgs {
  command: 'serve';
  /** Config files in order: a base file, then overrides. */
  config: string[];
  stdio: boolean;
  http: { host: string; port: number } | undefined;
  demo: boolean;
  workers: number | undefined;
}

export interface ConfigCheckArgs {
  command: 'config-check';
  /** Config files in order, as `serve --config` takes them. */
  files: string[];
}

export interface LoginArgs {
  command: 'login';
  /** The MCP server's URL. */
  url: string;
  auth: ClientAuthSettings;
}

/** `tools` and `call`: the tools of a gateway configuration, listed or called once. */
export interface ToolsArgs {
  command: 'tools';
  config: string[];
  json: boolean;
}

export interface CallArgs {
  command: 'call';
  config: string[];
  tool: string;
  /** The arguments as JSON text (an object). */
  args: string;
  json: boolean;
}

/** `engine`: driven over stdin/stdout by a program in another language (the Python package). */
export interface EngineArgs {
  command: 'engine';
}

export interface HelpArgs {
  command: 'help';
}

export interface VersionArgs {
  command: 'version';
}

export type CommandLine = ServeArgs | ConfigCheckArgs | LoginArgs | ToolsArgs | CallArgs | EngineArgs | HelpArgs | VersionArgs;

export const USAGE = `Usage: mcp-core <command> [options]

Commands:
  serve              Run an MCP server (Streamable HTTP on 127.0.0.1:3000/mcp unless told otherwise)
  config check FILE [FILE...]
                     Check config files (later ones override earlier ones, the MCP__
                     environment over them) and print the settings that result, secrets hidden
  login URL          Sign in to the MCP server at URL (OAuth: in a browser, or as a client with
                     --client-id) and keep the tokens for later commands
  tools --config FILE
                     List the tools of the upstreams in FILE's mcpServers, as the gateway offers them
  call TOOL [--args JSON] --config FILE
                     Call one tool of those upstreams and print its result (exit code 1 if it is an error)
  engine             The engine a program drives over stdin/stdout (the Python package mcp_core
                     starts it; the protocol is in docs/ARCHITECTURE.md)

Options for serve:
  --config FILE        Read settings from a JSON or YAML file; give it again for an override
                       file, read over the first
  --stdio              Serve over stdin/stdout
  --http HOST:PORT     Serve Streamable HTTP on HOST:PORT (path /mcp)
  --demo               Register the demo tools (echo, add, sleep, fail, ask, route, whoami)
  --workers N          Run N HTTP server processes on one port (node:cluster)

Options for tools and call:
  --json               Print JSON: the tool definitions, or the whole result

  -h, --help           Show this help
  -v, --version        Show the version

${AUTH_USAGE}`;

/** Parses `HOST:PORT`, `:PORT` or `PORT`; IPv6 hosts go in brackets. */
export function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(?:(\[[^\]]+\]|[^:]*):)?(\d+)$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--http expects HOST:PORT, got "${value}"`);
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host, port };
}

const FLAGS = new Set(['stdio', 'demo', 'help', 'version', 'json']);
const VALUES = new Set(['config', 'http', 'workers', 'args', ...AUTH_OPTIONS]);
const SHORT: Record<string, string> = { h: 'help', v: 'version' };

/** Splits argv into options (`--name`, `--name value`, `--name=value`, `-h`) and positionals. */
function split(argv: readonly string[]): { options: Map<string, string | true>; configs: string[]; positionals: string[] } {
  const options = new Map<string, string | true>();
  const configs: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, equals === -1 ? undefined : equals) : SHORT[arg.slice(1)];
    if (name !== undefined && FLAGS.has(name) && equals === -1) {
      options.set(name, true);
    } else if (name !== undefined && VALUES.has(name)) {
      const value = equals === -1 ? argv[++i] : arg.slice(equals + 1);
      if (value === undefined || (equals === -1 && value.startsWith('--'))) throw new UsageError(`Option --${name} needs a value`);
      if (name === 'config') configs.push(value);
      // Taking the last of two values silently ran the command with one the user may not mean
      // (`--http` of a script's default, then theirs; `--args` twice).
      else if (options.has(name)) throw new UsageError(`Option --${name} is given twice`);
      else options.set(name, value);
    } else {
      throw new UsageError(`Unknown option "${arg}"`);
    }
  }
  return { options, configs, positionals };
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { options, configs, positionals } = split(argv);
  if (options.has('version')) return { command: 'version' };
  if (options.has('help') || positionals.length === 0) return { command: 'help' };
  const [command, ...rest] = positionals;
  if (command === 'login') return loginCommand(rest, options, configs);
  const auth = [...options.keys()].find((name) => AUTH_OPTIONS.has(name));
  if (auth !== undefined) throw new UsageError(`--${auth} applies to commands that call a server`);
  if (command === 'config') return configCommand(rest, options, configs);
  if (command === 'tools' || command === 'call') return toolCommand(command, rest, options, configs);
  if (command === 'engine') {
    if (rest.length > 0 || options.size > 0 || configs.length > 0) throw new UsageError('engine takes no arguments: its settings come in its start message');
    return { command: 'engine' };
  }
  if (command !== 'serve') throw new UsageError(`Unknown command "${command}"`);
  for (const name of ['json', 'args']) if (options.has(name)) throw new UsageError(`serve takes no option --${name}`);
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`);
  const value = (name: string) => options.get(name) as string | undefined;
  const http = value('http');
  const workers = value('workers');
  return {
    command: 'serve',
    config: configs,
    stdio: options.has('stdio'),
    http: http === undefined ? undefined : parseHostPort(http),
    demo: options.has('demo'),
    workers: workers === undefined ? undefined : parseWorkers(workers),
  };
}

function configCommand(rest: string[], options: Map<string, string | true>, configs: string[]): ConfigCheckArgs {
  if (rest[0] !== 'check') throw new UsageError(rest[0] === undefined ? 'config needs a subcommand: check FILE' : `Unknown config subcommand "${rest[0]}"`);
  const files = [...configs, ...rest.slice(1)];
  if (files.length === 0) throw new UsageError('config check takes at least one FILE');
  const [option] = options.keys();
  if (option !== undefined) throw new UsageError(`config check takes no option --${option}`);
  return { command: 'config-check', files };
}

function loginCommand(rest: string[], options: Map<string, string | true>, configs: string[]): LoginArgs {
  if (rest.length !== 1) throw new UsageError('login takes the URL of an MCP server');
  if (configs.length > 0 || options.size > [...options.keys()].filter((name) => AUTH_OPTIONS.has(name)).length) {
    throw new UsageError('login takes only authentication options');
  }
  let url: URL;
  try {
    url = new URL(rest[0]);
  } catch {
    throw new UsageError(`login expects an http(s) URL, got "${rest[0]}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`login expects an http(s) URL, got "${rest[0]}"`);
  return { command: 'login', url: url.href, auth: authSettings(options) };
}

function toolCommand(command: 'tools' | 'call', rest: string[], options: Map<string, string | true>, configs: string[]): ToolsArgs | CallArgs {
  for (const name of ['stdio', 'http', 'demo', 'workers']) if (options.has(name)) throw new UsageError(`${command} takes no option --${name}`);
  if (configs.length === 0) throw new UsageError(`${command} needs --config FILE (with mcpServers)`);
  const json = options.has('json');
  if (command === 'tools') {
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`);
    if (options.has('args')) throw new UsageError('tools takes no option --args');
    return { command, config: configs, json };
  }
  if (rest.length === 0) throw new UsageError('call needs the name of a tool');
  if (rest.length > 1) throw new UsageError(`Unexpected argument "${rest[1]}"`);
  if (rest[0] === '') throw new UsageError('call needs the name of a tool, not an empty one');
  return { command, config: configs, tool: rest[0], args: (options.get('args') as string | undefined) ?? '{}', json };
}

function parseWorkers(value: string): number {
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers expects a number from 1 to 256, got "${value}"`);
  return workers;
}
