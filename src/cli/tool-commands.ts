/**
 * `mcp-core tools --config F` and `mcp-core call TOOL --args JSON --config F`: the gateway's
 * aggregate used once from a shell, without serving. Upstreams are started, used and stopped.
 */
import { loadConfig } from '../config/config.ts';
import { resolveManagerConfig } from '../manager/config.ts';
import { McpManager } from '../manager/manager.ts';
import { isObject } from '../protocol/guards.ts';
import type { CallArgs, ToolsArgs } from './args.ts';
import { UsageError } from './usage-error.ts';

/** Runs the command; resolves with the exit code (1 when the called tool answered isError). */
export async function toolCommand(args: ToolsArgs | CallArgs): Promise<number> {
  let toolArgs: Record<string, unknown> = {};
  if (args.command === 'call') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args.args);
    } catch (error) {
      throw new UsageError(`--args must be JSON: ${(error as Error).message}`);
    }
    if (!isObject(parsed)) throw new UsageError('--args must be a JSON object, e.g. --args \'{"text": "hi"}\'');
    toolArgs = parsed;
  }
  const config = await loadConfig(args.config);
  if (Object.keys(config.mcpServers).length === 0) throw new UsageError(`no upstreams: ${args.config.join(', ')} has no mcpServers`);
  const manager = new McpManager(resolveManagerConfig(config));
  try {
    await manager.start();
    for (const upstream of manager.health().upstreams) {
      if (upstream.enabled && !upstream.connected) process.stderr.write(`mcp-core: ${upstream.name} is not connected: ${upstream.lastError?.message ?? upstream.state}\n`);
    }
    if (args.command === 'tools') {
      const tools = await manager.listTools();
      if (args.json) process.stdout.write(`${JSON.stringify(tools, null, 2)}\n`);
      else for (const tool of tools) process.stdout.write(`${tool.name}${tool.description ? `  ${tool.description.split('\n')[0]}` : ''}\n`);
      return 0;
    }
    let result;
    try {
      result = await manager.callTool(args.tool, toolArgs);
    } catch (error) {
      process.stderr.write(`mcp-core: ${(error as Error).message}\n`);
      return 2;
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const block of result.content ?? []) process.stdout.write(`${block.type === 'text' ? block.text : JSON.stringify(block)}\n`);
      if ((result.content ?? []).length === 0 && result.structuredContent !== undefined) process.stdout.write(`${JSON.stringify(result.structuredContent)}\n`);
    }
    return result.isError === true ? 1 : 0;
  } finally {
    await manager.close();
  }
}
