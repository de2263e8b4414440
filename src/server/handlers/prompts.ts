/** `prompts/list` and `prompts/get`. */
import type { Params } from '../../protocol/jsonrpc.ts';
import { describeValue } from '../../protocol/guards.ts';
import { invalidParams } from '../../protocol/wire-errors.ts';
import type { RequestContext } from '../context.ts';
import type { ServerCore } from '../core.ts';
import { Round } from '../mrtr.ts';
import { then } from '../then.ts';
import { paginate } from '../pagination.ts';
import { toPromptResult } from '../prompts.ts';

export function listPrompts(core: ServerCore, params: Params): Record<string, unknown> {
  const page = paginate(core.prompts.list(), params.cursor, core.pageSize);
  return page.nextCursor === undefined ? { prompts: page.items } : { prompts: page.items, nextCursor: page.nextCursor };
}

export function getPrompt(core: ServerCore, params: Params, ctx: RequestContext): Record<string, unknown> | Promise<Record<string, unknown>> {
  const { name } = params;
  if (typeof name !== 'string') throw invalidParams('Invalid params: "name" must be a string');
  const prompt = core.prompts.get(name);
  if (!prompt) throw invalidParams(`Unknown prompt: ${describeValue(name)}`);
  const args = prompt.checkArguments(params.arguments);
  return new Round(core.sealer, ctx, name, args).run(() => then(prompt.handler(args, ctx), toPromptResult));
}
