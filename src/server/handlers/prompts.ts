/** `prompts/list` and `prompts/get`. */
import type { Params } from '../../protocol/jsonrpc.ts';
import { invalidParams } from '../../protocol/wire-errors.ts';
import type { RequestContext } from '../context.ts';
import type { ServerCore } from '../core.ts';
import { bindingOf, runRound } from '../mrtr.ts';
import { paginate } from '../pagination.ts';
import { toPromptResult } from '../prompts.ts';

export function listPrompts(core: ServerCore, params: Params): Record<string, unknown> {
  const page = paginate(core.prompts.list(), params.cursor, core.pageSize);
  return page.nextCursor === undefined ? { prompts: page.items } : { prompts: page.items, nextCursor: page.nextCursor };
}

export function getPrompt(core: ServerCore, params: Params, ctx: RequestContext): Promise<Record<string, unknown>> {
  const { name } = params;
  if (typeof name !== 'string') throw invalidParams('Invalid params: "name" must be a string');
  const prompt = core.prompts.get(name);
  if (!prompt) throw invalidParams(`Unknown prompt: ${name}`);
  const args = prompt.checkArguments(params.arguments);
  return runRound(core.sealer, ctx, bindingOf(ctx, name, args), async () => toPromptResult(await prompt.handler(args, ctx)));
}
