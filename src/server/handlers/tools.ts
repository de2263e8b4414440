/** `tools/list` and `tools/call`. */
import { describeValue, isObject, stringOr } from '../../protocol/guards.ts';
import type { Params } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { ErrorCode, McpError, invalidParams } from '../../protocol/wire-errors.ts';
import { InputRequiredSignal, type RequestContext } from '../context.ts';
import type { ServerCore } from '../core.ts';
import { toolChannel, ToolMessage, traced } from '../diagnostics.ts';
import { Round } from '../mrtr.ts';
import { declaresTasks, tasksRequired } from '../tasks.ts';
import { paginate } from '../pagination.ts';
import { toToolResult, toolError, type RegisteredTool, type ToolOutput } from '../tools.ts';

type Result = Record<string, unknown>;

export function listTools(core: ServerCore, params: Params): Record<string, unknown> {
  const page = paginate(core.tools.list(), params.cursor, core.pageSize);
  return page.nextCursor === undefined ? { tools: page.items } : { tools: page.items, nextCursor: page.nextCursor };
}

/** Finds the tool and checks the arguments; protocol errors are thrown, argument errors returned. */
export function resolveCall(core: ServerCore, params: Params): { tool: RegisteredTool; args: Record<string, unknown> } {
  const { name } = params;
  if (typeof name !== 'string') throw invalidParams('Invalid params: "name" must be a string');
  const tool = core.tools.get(name);
  if (!tool) throw invalidParams(`Unknown tool: ${describeValue(name)}`);
  const args = params.arguments ?? {};
  if (!isObject(args)) throw invalidParams('Invalid params: "arguments" must be an object');
  return { tool, args };
}

export function callTool(core: ServerCore, params: Params, ctx: RequestContext): Result | Promise<Result> {
  const { tool, args } = resolveCall(core, params);
  const asTask = ctx.isModern && tool.taskSupport !== 'forbidden' && declaresTasks(ctx.clientCapabilities);
  if (!asTask && ctx.isModern && tool.taskSupport === 'required') throw tasksRequired();
  const problem = tool.checkInput(args);
  // Invalid arguments are a tool execution error the model can correct (spec: tools, error handling).
  if (problem !== undefined) return toolError(`Invalid arguments for tool ${tool.name}: ${problem}`);
  const round = new Round(core.sealer, ctx, tool.name, args);
  if (asTask) return core.tasks.run(ctx, round, tool.taskSupport === 'required', () => invoke(tool, args, ctx));
  return round.run(() => invoke(tool, args, ctx));
}

/**
 * Runs the handler, synchronously when it is synchronous, published on the `mcp-core:tool`
 * diagnostics channel when it has subscribers. Failures that are not protocol errors become
 * `isError` results.
 */
export function invoke(tool: RegisteredTool, args: Record<string, unknown>, ctx: RequestContext): Result | Promise<Result> {
  let output: unknown;
  try {
    output = toolChannel.hasSubscribers
      ? traced(toolChannel, new ToolMessage(tool, args, ctx), () => runHandler(tool, args, ctx))
      : runHandler(tool, args, ctx);
  } catch (error) {
    return failure(error, ctx);
  }
  if (output instanceof Promise) return output.then((value: ToolOutput) => checked(tool, toToolResult(value)), (error: unknown) => failure(error, ctx));
  return checked(tool, toToolResult(output as ToolOutput));
}

function runHandler(tool: RegisteredTool, args: Record<string, unknown>, ctx: RequestContext): unknown {
  return (tool.handler as (a: unknown, c: RequestContext) => unknown)(args, ctx);
}

function failure(error: unknown, ctx: RequestContext): Result {
  if (error instanceof McpError || error instanceof InputRequiredSignal) throw error;
  if (ctx.signal.aborted) throw new McpLocalError(LocalErrorCode.Cancelled, 'Request cancelled');
  // An error without a message still says something: the model reads this text.
  return toolError(error instanceof Error ? stringOr(error.message || undefined, 'Tool failed') : describeValue(error));
}

/**
 * Checks a result against the tool's outputSchema. A result that breaks it is the tool's
 * failure, reported as one (`isError`, naming the tool), not a protocol error: e.g. a sum that
 * overflowed to Infinity, which no JSON number can carry (spec: tools, output schema).
 */
function checked(tool: RegisteredTool, result: Result): Result {
  if (tool.checkOutput !== undefined && result.isError !== true && result.resultType !== 'input_required') {
    if (result.structuredContent === undefined) return toolError(`Tool ${tool.name} has an outputSchema but returned no structuredContent`);
    const problem = tool.checkOutput(result.structuredContent);
    if (problem !== undefined) return toolError(`Tool ${tool.name} returned structuredContent that does not match its outputSchema: ${problem}`);
  }
  return result;
}
