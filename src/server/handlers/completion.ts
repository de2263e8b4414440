/** `completion/complete`: argument suggestions for prompts and resource templates. */
import type { Params } from '../../protocol/jsonrpc.ts';
import { invalidParams } from '../../protocol/wire-errors.ts';
import type { ServerCore } from '../core.ts';
import type { Completer } from '../resources.ts';

/** The spec caps one completion response at 100 values. */
const MAX_VALUES = 100;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function findCompleters(core: ServerCore, ref: Record<string, unknown>): Record<string, Completer> | undefined {
  if (ref.type === 'ref/prompt') {
    const prompt = typeof ref.name === 'string' ? core.prompts.get(ref.name) : undefined;
    if (!prompt) throw invalidParams(`Unknown prompt: ${String(ref.name)}`);
    return prompt.completers;
  }
  if (ref.type === 'ref/resource') {
    const template = typeof ref.uri === 'string' ? core.templates.get(ref.uri) : undefined;
    if (template) return template.completers;
    if (typeof ref.uri === 'string' && core.resources.get(ref.uri)) return undefined;
    throw invalidParams(`Unknown resource template: ${String(ref.uri)}`);
  }
  throw invalidParams('Invalid params: "ref.type" must be "ref/prompt" or "ref/resource"');
}

export async function complete(core: ServerCore, params: Params): Promise<Record<string, unknown>> {
  const { ref, argument, context } = params;
  if (!isObject(ref)) throw invalidParams('Invalid params: "ref" must be an object');
  if (!isObject(argument) || typeof argument.name !== 'string' || typeof argument.value !== 'string') {
    throw invalidParams('Invalid params: "argument" needs a string name and value');
  }
  const completer = findCompleters(core, ref)?.[argument.name];
  if (!completer) return { completion: { values: [], total: 0, hasMore: false } };
  const args = isObject(context) && isObject(context.arguments) ? (context.arguments as Record<string, string>) : {};
  const values = await completer(argument.value, { arguments: args });
  return { completion: { values: values.slice(0, MAX_VALUES), total: values.length, hasMore: values.length > MAX_VALUES } };
}
