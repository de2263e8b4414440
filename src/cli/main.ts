#!/usr/bin/env node
/**
 * The `mcp-core` binary: the composition root, where configuration, the server, transports
 * and operational endpoints are wired together. Nothing imports this file.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/config.ts';
import { registerDemo } from '../demo.ts';
import { createOriginCheck } from '../security/origin.ts';
import { ServerConnection } from '../server/connection.ts';
import { McpServer } from '../server/server.ts';
import { serveHttp } from '../transport/http/node.ts';
import { StdioServerTransport } from '../transport/stdio.ts';
import { parseCommandLine, USAGE, UsageError, type ServeArgs } from './args.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

async function serve(args: ServeArgs): Promise<void> {
  const config = await loadConfig(args.config);
  if (args.http) Object.assign(config.http, args.http);
  const stdio = args.stdio || config.stdio.enabled;
  const http = args.http !== undefined || !stdio;
  const server = new McpServer({ name: config.server.name, version: config.server.version, instructions: config.server.instructions });
  if (args.demo || config.demo) registerDemo(server);

  const closers: Array<() => Promise<void> | void> = [() => server.close()];
  if (http) {
    const { host, port, path, allowedOrigins, allowedHosts, maxBodyBytes, sessions } = config.http;
    const listener = await serveHttp(server, {
      host,
      port,
      path,
      maxBodyBytes,
      sessions: sessions.enabled ? { idleTimeoutMs: sessions.idleTimeoutMs, maxSessions: sessions.maxSessions } : false,
      originCheck: createOriginCheck({ allowedOrigins, allowedHosts, loopback: LOOPBACK.has(host) }),
    });
    closers.push(() => listener.close());
    // stdout belongs to the protocol when stdio is served too.
    (stdio ? process.stderr : process.stdout).write(`mcp-core serving Streamable HTTP at ${listener.url}\n`);
  }
  if (stdio) {
    const connection = new ServerConnection(server, new StdioServerTransport({ maxMessageBytes: config.stdio.maxMessageBytes }), {
      // The client closing stdin is the stdio shutdown signal (spec: stdio, shutdown).
      onClose: () => void shutdown(0),
    });
    connection.start();
  }

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const close of closers) await close();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseCommandLine(argv);
  if (args.command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (args.command === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  await serve(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`mcp-core: ${error.message}\n${error instanceof UsageError ? `\n${USAGE}` : ''}`);
    process.exit(2);
  }
  process.stderr.write(`mcp-core: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
