/**
 * A real `mcp-core serve` gateway process in front of test/fixtures/hostile-upstream.ts and the
 * well-behaved fixture, over HTTP and optionally stdio, with its memory read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fixture, scratch, writeConfig } from './gateway.ts';
import { memoryOf } from './memory.ts';
import { CLI, ROOT } from './processes.ts';

export interface GatewayProcess {
  process: ChildProcess;
  url: string;
  /** Resident set now, and its peak so far (/proc: Linux). */
  memory(): Promise<{ rss: number; peak: number }>;
}

/**
 * `mcp-core serve` over HTTP (and stdio too, with `stdio`, its stdout left to the caller)
 * in front of the hostile upstream and the fixture; `env` adds settings (MCP__...).
 */
export async function startGateway(stdio: boolean, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const config = await writeConfig(await scratch(), {
    mcpServers: { hostile: { command: process.execPath, args: [join(ROOT, 'test/fixtures/hostile-upstream.ts')], era: 'legacy' }, good: fixture() },
    gateway: { watch: false },
  });
  // With its old space capped, the gateway collects garbage before it grows past the bound
  // (V8 otherwise lets a flood's garbage pile up to 200 MiB first): its resident set then
  // shows what it holds, and a gateway that held the flood would run out of memory.
  const child = spawn(process.execPath, ['--max-old-space-size=96', CLI, 'serve', '--config', config, '--http', '127.0.0.1:0', ...(stdio ? ['--stdio'] : [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  // Under --stdio the URL is announced on stderr, stdout being the MCP channel.
  const announced = createInterface({ input: stdio ? child.stderr! : child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
    announced.on('line', (line) => {
      const found = /(http:\/\/\S+)/.exec(line);
      if (found !== null) resolve(found[1]);
    });
  });
  if (!stdio) child.stdout!.resume();
  child.stderr!.resume();
  return { process: child, url, memory: () => memoryOf(child.pid!) };
}

/** Ends the gateway with SIGTERM, unless it is gone already. */
export async function stopGateway(gateway: GatewayProcess): Promise<void> {
  const child = gateway.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
