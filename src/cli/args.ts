/** Command-line parsing for `mcp-core`, with node:util parseArgs. */
import { parseArgs } from 'node:util';

export interface ServeArgs {
  command: 'serve';
  config: string | undefined;
  stdio: boolean;
  http: { host: string; port: number } | undefined;
  demo: boolean;
  workers: number | undefined;
}

export interface HelpArgs {
  command: 'help';
}

export interface VersionArgs {
  command: 'version';
}

export type CommandLine = ServeArgs | HelpArgs | VersionArgs;

export const USAGE = `Usage: mcp-core <command> [options]

Commands:
  serve     Run an MCP server (Streamable HTTP on 127.0.0.1:3000/mcp unless told otherwise)

Options for serve:
  --config FILE        Read settings from a JSON or YAML file
  --stdio              Serve over stdin/stdout
  --http HOST:PORT     Serve Streamable HTTP on HOST:PORT (path /mcp)
  --demo               Register the demo tools (echo, add, sleep, fail, ask)
  --workers N          Run N HTTP server processes on one port (node:cluster)
  -h, --help           Show this help
  -v, --version        Show the version
`;

export class UsageError extends Error {}

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

export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        stdio: { type: 'boolean', default: false },
        http: { type: 'string' },
        demo: { type: 'boolean', default: false },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.version) return { command: 'version' };
  if (values.help || positionals.length === 0) return { command: 'help' };
  const [command, ...rest] = positionals;
  if (command !== 'serve') throw new UsageError(`Unknown command "${command}"`);
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}"`);
  return {
    command: 'serve',
    config: values.config,
    stdio: values.stdio,
    http: values.http === undefined ? undefined : parseHostPort(values.http),
    demo: values.demo,
    workers: values.workers === undefined ? undefined : parseWorkers(values.workers),
  };
}

function parseWorkers(value: string): number {
  const workers = Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers expects a number from 1 to 256, got "${value}"`);
  return workers;
}
