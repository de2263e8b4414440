/** `completion/complete`: argument suggestions for prompts and resource templates. */
import { describeValue, isObject } from '../../protocol/guards.ts';
import type { Params } from '../../protocol/jsonrpc.ts';
import { invalidParams } from '../../protocol/wire-errors.ts';
import type { ServerCore } from '../core.ts';
import type { Completer } from '../resources.ts';

/** The spec caps one completion response at 100 values. */
export const MAX_COMPLETION_VALUES = 100;

function findCompleters(core: ServerCore, ref: Record<string, unknown>): Record<string, Completer> | undefined {
  if (ref.type === 'ref/prompt') {
    if (typeof ref.name !== 'string') throw invalidParams('Invalid params: "ref.name" must be a string');
    const prompt = core.prompts.get(ref.name);
    if (!prompt) throw invalidParams(`Unknown prompt: ${describeValue(ref.name)}`);
    return prompt.completers;
  }
  if (ref.type === 'ref/resource') {
    if (typeof ref.uri !== 'string') throw invalidParams('Invalid params: "ref.uri" must be a string');
    const template = core.templates.get(ref.uri);
    if (template) return template.completers;
    if (core.resources.get(ref.uri)) return undefined;
    throw invalidParams(`Unknown resource template: ${describeValue(ref.uri)}`);
  }
  throw invalidParams('Invalid params: "ref.type" must be "ref/prompt" or "ref/resource"');
}

/** `context.arguments`: earlier arguments' values, all strings (spec: server/utilities/completion). */
export function contextArguments(context: unknown): Record<string, string> {
  if (context === undefined) return {};
  if (!isObject(context)) throw invalidParams('Invalid params: "context" must be an object');
  const args = context.arguments;
  if (args === undefined) return {};
  if (!isObject(args) || !Object.values(args).every((value) => typeof value === 'string')) {
    throw invalidParams('Invalid params: "context.arguments" must be an object of strings');
  }
  return args as Record<string, string>;
}

/** `argument`: the one being completed, a string name and value (spec: server/utilities/completion). */
export function checkArgument(argument: unknown): asserts argument is { name: string; value: string } {
  if (!isObject(argument) || typeof argument.name !== 'string' || typeof argument.value !== 'string') {
    throw invalidParams('Invalid params: "argument" needs a string name and value');
  }
}

export async function complete(core: ServerCore, params: Params): Promise<Record<string, unknown>> {
  const { ref, argument, context } = params;
  if (!isObject(ref)) throw invalidParams('Invalid params: "ref" must be an object');
  checkArgument(argument);
  const completers = findCompleters(core, ref);
  const args = contextArguments(context);
  // Own properties only: an argument named "constructor" must not find Object's.
  const completer = completers !== undefined && Object.hasOwn(completers, argument.name) ? completers[argument.name] : undefined;
  if (!completer) return { completion: { values: [], total: 0, hasMore: false } };
  const values = await completer(argument.value, { arguments: args });
  return { completion: { values: values.slice(0, MAX_COMPLETION_VALUES), total: values.length, hasMore: values.length > MAX_COMPLETION_VALUES } };
}
