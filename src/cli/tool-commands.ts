/**
 * `mcp-core tools --config F` and `mcp-core call TOOL --args JSON --config F`: the gateway's
 * aggregate used once from a shell, without serving. Upstreams are started, used and stopped.
 *
 * Everything printed comes from upstreams, which may be hostile: text for people is printed
 * with control characters shown escaped, `--json` escapes them the JSON way and stays exact
 * (see protocol/terminal-text.ts).
 */
import { loadConfig } from '../config/config.ts';
import { resolveManagerConfig } from '../manager/config.ts';
import { FAILURE_META_KEY } from '../manager/failures.ts';
import { McpManager } from '../manager/manager.ts';
import { terminalJson, terminalLine, terminalText } from '../protocol/terminal-text.ts';
import { isObject, MAX_JSON_DEPTH, nestedDeeperThan } from '../protocol/guards.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { CallToolResult, Tool } from '../protocol/types.ts';
import type { CallArgs, ToolsArgs } from './args.ts';
import { print } from './print.ts';
import { UsageError } from './usage-error.ts';

/** `mcp-core: <message>` on stderr, on one line whatever the message holds. */
function complain(message: string): void {
  process.stderr.write(`mcp-core: ${terminalLine(message)}\n`);
}

/** `name  first line of the description`, for people. */
function toolLine(tool: Tool): string {
  const { name, description } = tool;
  if (typeof description !== 'string' || description === '') return `${terminalLine(name)}\n`;
  const end = description.indexOf('\n');
  return `${terminalLine(name)}  ${terminalLine(end === -1 ? description : description.slice(0, end))}\n`;
}

/**
 * The list as `JSON.stringify(tools, null, 2)` writes it, one tool at a time: the whole text of
 * a long list is never held at once.
 */
function* toolsJson(tools: readonly Tool[]): Generator<string> {
  if (tools.length === 0) return yield '[]\n';
  yield '[\n';
  for (let i = 0; i < tools.length; i++) {
    // `[tool]` indented as the list indents its items: `[\n  {...}\n]` less its brackets.
    const item = JSON.stringify([tools[i]], null, 2);
    yield terminalJson(item.slice(2, -2));
    yield i === tools.length - 1 ? '\n]\n' : ',\n';
  }
}

/**
 * A result's content for people: text as text, other blocks as JSON, one after another. The
 * result the gateway makes for an upstream that failed (dead, slow, answering garbage) is an
 * error message, which may quote what the upstream sent: it is printed on one line.
 */
function* resultText(result: CallToolResult): Generator<string> {
  const content = Array.isArray(result.content) ? result.content : [];
  const asText = isObject(result._meta) && result._meta[FAILURE_META_KEY] !== undefined ? terminalLine : terminalText;
  for (const block of content) {
    if (block.type === 'text' && typeof block.text === 'string') yield asText(block.text);
    else yield terminalJson(JSON.stringify(block));
    yield '\n';
  }
  if (content.length === 0 && result.structuredContent !== undefined) yield `${terminalJson(JSON.stringify(result.structuredContent))}\n`;
}

/** The exit code of a call that threw: 2 for a tool the configuration does not offer, 1 for a call that failed. */
function exitCodeOf(error: unknown): number {
  return error instanceof McpLocalError && error.code === LocalErrorCode.InvalidArgument ? 2 : 1;
}

/**
 * Runs the command; resolves with the exit code: 0, 1 when the call failed (an `isError`
 * result, an upstream that answered with an error or could not be reached) or, for `tools`,
 * when an upstream could not be reached (the others' tools are listed all the same), 2 for a
 * tool that is not offered.
 */
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
    // Arguments no server takes are the user's mistake (exit 2), found before any upstream starts.
    if (nestedDeeperThan(parsed, MAX_JSON_DEPTH - 1)) throw new UsageError(`--args nests deeper than ${MAX_JSON_DEPTH - 1} levels`);
    toolArgs = parsed;
  }
  const config = await loadConfig(args.config);
  if (Object.keys(config.mcpServers).length === 0) throw new UsageError(`no upstreams: ${args.config.join(', ')} has no mcpServers`);
  const manager = new McpManager(resolveManagerConfig(config));
  try {
    await manager.start();
    const unreachable: string[] = [];
    for (const upstream of manager.health().upstreams) {
      if (!upstream.enabled || upstream.connected) continue;
      unreachable.push(upstream.name);
      complain(`${upstream.name} is not connected: ${upstream.lastError?.message ?? upstream.state}`);
    }
    if (args.command === 'tools') {
      const tools = await manager.listTools();
      await print(args.json ? toolsJson(tools) : tools.map(toolLine));
      return unreachable.length === 0 ? 0 : 1;
    }
    let result;
    try {
      result = await manager.callTool(args.tool, toolArgs);
    } catch (error) {
      // Not offered because its upstream is out of reach: the call failed, the name may be right.
      const upstream = unreachable.find((name) => args.tool.startsWith(name + config.gateway.separator));
      if (upstream !== undefined && exitCodeOf(error) === 2) {
        complain(`${args.tool} is not offered: its upstream ${upstream} is not connected`);
        return 1;
      }
      complain(error instanceof Error ? error.message : 'the call failed');
      return exitCodeOf(error);
    }
    await print(args.json ? [terminalJson(JSON.stringify(result, null, 2)), '\n'] : resultText(result));
    return result.isError === true ? 1 : 0;
  } finally {
    await manager.close();
  }
}
