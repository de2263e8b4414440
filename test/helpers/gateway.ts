/** Building managers and gateways over real upstream processes, for the gateway tests. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UpstreamConfig } from '../../src/manager/config.ts';
import type { McpManager } from '../../src/manager/manager.ts';
import type { UpstreamHealth } from '../../src/manager/upstream.ts';
import { ROOT } from './processes.ts';

export const FIXTURE = join(ROOT, 'test/fixtures/upstream.ts');
export const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const PYTHON_UPSTREAM = join(ROOT, 'test/fixtures/python-upstream.py');

/** An upstream running test/fixtures/upstream.ts over stdio. */
export function fixture(args: string[] = [], options: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return { command: process.execPath, args: [FIXTURE, ...args], ...options };
}

/** A fresh directory for config files and start logs. */
export function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mcp-core-gateway-'));
}

export async function writeConfig(dir: string, config: unknown, name = 'gateway.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * Resolves with an upstream's health once `ready` holds for it; rejects after `timeoutMs`
 * with the last health seen. Waits on the manager's state events, not on a clock.
 */
export function waitForUpstream(manager: McpManager, name: string, ready: (health: UpstreamHealth) => boolean, timeoutMs = 20_000): Promise<UpstreamHealth> {
  const current = () => manager.health().upstreams.find((upstream) => upstream.name === name)!;
  return new Promise((resolve, reject) => {
    const check = () => {
      const health = current();
      if (!ready(health)) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(health);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`upstream ${name} never got there: ${JSON.stringify(current())}`));
    }, timeoutMs);
    const unsubscribe = manager.subscribe({ onUpstreamState: (upstream) => upstream === name && check() });
    check();
  });
}

/** The text of a tool result's first block. */
export function textOf(result: { content?: unknown }): string {
  const [first] = (result.content ?? []) as Array<{ text?: string }>;
  return first?.text ?? '';
}
