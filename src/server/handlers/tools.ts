/** `tools/list` and `tools/call`. */
import type { Params } from '../../protocol/jsonrpc.ts';
import { LocalErrorCode, McpLocalError } from '../../protocol/local-errors.ts';
import { ErrorCode, McpError, invalidParams } from '../../protocol/wire-errors.ts';
import { InputRequiredSignal, type RequestContext } from '../context.ts';
import type { ServerCore } from '../core.ts';
import { bindingOf, runRound } from '../mrtr.ts';
import { declaresTasks, tasksRequired } from '../tasks.ts';
import { paginate } from '../pagination.ts';
import { toToolResult, toolError, type RegisteredTool } from '../tools.ts';

export function listTools(core: ServerCore, params: Params): Record<string, unknown> {
  const page = paginate(core.tools.list(), params.cursor, core.pageSize);
  return page.nextCursor === undefined ? { tools: page.items } : { tools: page.items, nextCursor: page.nextCursor };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the tool and checks the arguments; protocol errors are thrown, argument errors returned. */
export function resolveCall(core: ServerCore, params: Params): { tool: RegisteredTool; args: Record<string, unknown> } {
  const { name } = params;
  if (typeof name !== 'string') throw invalidParams('Invalid params: "name" must be a string');
  const tool = core.tools.get(name);
  if (!tool) throw invalidParams(`Unknown tool: ${name}`);
  const args = params.arguments ?? {};
  if (!isObject(args)) throw invalidParams('Invalid params: "arguments" must be an object');
  return { tool, args };
}

export function callTool(core: ServerCore, params: Params, ctx: RequestContext): Promise<Record<string, unknown>> | Record<string, unknown> {
  const { tool, args } = resolveCall(core, params);
  const asTask = ctx.isModern && tool.taskSupport !== 'forbidden' && declaresTasks(ctx.clientCapabilities);
  if (!asTask && ctx.isModern && tool.taskSupport === 'required') throw tasksRequired();
  const problem = tool.checkInput(args);
  // Invalid arguments are a tool execution error the model can correct (spec: tools, error handling).
  if (problem !== undefined) return toolError(`Invalid arguments for tool ${tool.name}: ${problem}`);
  const binding = bindingOf(ctx, tool.name, args);
  if (asTask) return core.tasks.run(ctx, binding, tool.taskSupport === 'required', () => invoke(tool, args, ctx));
  return runRound(core.sealer, ctx, binding, () => invoke(tool, args, ctx));
}

/** Runs the handler; failures that are not protocol errors become `isError` results. */
export async function invoke(tool: RegisteredTool, args: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
  let result: Record<string, unknown>;
  try {
    result = toToolResult(await (tool.handler as (a: unknown, c: RequestContext) => unknown)(args, ctx) as never);
  } catch (error) {
    if (error instanceof McpError || error instanceof InputRequiredSignal) throw error;
    if (ctx.signal.aborted) throw new McpLocalError(LocalErrorCode.Cancelled, 'Request cancelled');
    return toolError(error instanceof Error ? error.message : String(error));
  }
  if (tool.checkOutput !== undefined && result.isError !== true && result.resultType !== 'input_required') {
    if (result.structuredContent === undefined) {
      throw new McpError(ErrorCode.InternalError, `Tool ${tool.name} has an outputSchema but returned no structuredContent`);
    }
    const problem = tool.checkOutput(result.structuredContent);
    if (problem !== undefined) throw new McpError(ErrorCode.InternalError, `Tool ${tool.name} returned invalid structuredContent: ${problem}`);
  }
  return result;
}
