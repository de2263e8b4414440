/**
 * mcp-core's gateway in front of one mcp-core demo server, for the gateway-overhead workload:
 * the gateway (the shipped binary, `serve --http --config`) serves the upstream's tools as
 * `up__<tool>`, the upstream over stdio (the gateway starts it) or over HTTP (started here).
 * Every process stays in this one's tree, on the cores this one was pinned to.
 *
 * `--upstream-core N` pins the upstream to core N instead (taskset); `--upstream-script FILE` runs
 * that Node script as the stdio upstream instead of `mcp-core serve --stdio --demo`.
 *
 * Usage: node peers/mcp-core/gateway.ts --port PORT --upstream stdio|http --cli dist/bin/mcp-core.js
 *        [--upstream-core N] [--upstream-script FILE]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { portArg } from '../tool-set.ts';

function optional(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function arg(name: string): string {
  const value = optional(name);
  if (value === undefined) throw new Error(`--${name} is needed`);
  return value;
}

const cli = arg('cli');
const upstreamKind = arg('upstream');
/** A Node script to run as the stdio upstream instead of `mcp-core serve --stdio --demo`. */
const upstreamScript = optional('upstream-script');
/** A core of its own for the upstream (taskset), instead of this process's. */
const upstreamCore = optional('upstream-core');
const children: ChildProcess[] = [];

/** The upstream's command line, pinned to its core when asked. */
function upstreamCommand(args: string[]): { command: string; args: string[] } {
  return upstreamCore === undefined ? { command: process.execPath, args } : { command: 'taskset', args: ['-c', upstreamCore, process.execPath, ...args] };
}

/** Starts `mcp-core serve --http` and resolves with the URL it prints. */
function serveHttp(args: string[], pinned = false): Promise<string> {
  const { command, args: argv } = pinned ? upstreamCommand([cli, 'serve', ...args]) : { command: process.execPath, args: [cli, 'serve', ...args] };
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mcp-core serve ${args.join(' ')} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const url = /(http:\/\/\S+)/.exec(line)?.[1];
      if (url !== undefined) resolve(url);
    });
  });
}

const upstream =
  upstreamKind === 'stdio'
    ? upstreamCommand(upstreamScript === undefined ? [cli, 'serve', '--stdio', '--demo'] : [upstreamScript])
    : { url: await serveHttp(['--http', '127.0.0.1:0', '--demo'], true) };
const config = join(mkdtempSync(join(tmpdir(), 'mcp-core-bench-gateway-')), 'gateway.json');
writeFileSync(config, JSON.stringify({ mcpServers: { up: upstream }, gateway: { watch: false } }));
const gateway = serveHttp(['--http', `127.0.0.1:${portArg(process.argv)}`, '--config', config]);
await gateway;

const stop = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The gateway is the last child: when it has gone, so has this.
children[children.length - 1].once('exit', () => {
  stop();
  process.exit(0);
});
