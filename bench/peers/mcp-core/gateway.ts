/**
 * mcp-core's gateway in front of one mcp-core demo server, for the gateway-overhead workload:
 * the gateway (the shipped binary, `serve --http --config`) serves the upstream's tools as
 * `up__<tool>`, the upstream over stdio (the gateway starts it) or over HTTP (started here).
 * Every process stays in this one's tree, on the cores this one was pinned to.
 *
 * Usage: node peers/mcp-core/gateway.ts --port PORT --upstream stdio|http --cli dist/bin/mcp-core.js
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { portArg } from '../tool-set.ts';

function arg(name: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : process.argv[index + 1];
  if (value === undefined) throw new Error(`--${name} is needed`);
  return value;
}

const cli = arg('cli');
const upstreamKind = arg('upstream');
const children: ChildProcess[] = [];

/** Starts `mcp-core serve --http` and resolves with the URL it prints. */
function serveHttp(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    ? { command: process.execPath, args: [cli, 'serve', '--stdio', '--demo'] }
    : { url: await serveHttp(['--http', '127.0.0.1:0', '--demo']) };
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
