/** Prompts: registration, argument checks, and turning a handler's output into messages. */
import { isObject } from '../protocol/guards.ts';
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { ContentBlock, Icon, InputRequiredResult, Prompt, PromptArgument, PromptMessage } from '../protocol/types.ts';
import { invalidParams } from '../protocol/wire-errors.ts';
import type { RequestContext } from './context.ts';
import { RegisteredEntry, type Registry } from './registry.ts';
import type { Completer } from './resources.ts';

export interface PromptConfig {
  title?: string;
  description?: string;
  arguments?: PromptArgument[];
  icons?: Icon[];
  _meta?: Record<string, unknown>;
  /** Completions per argument name, for `completion/complete`. */
  complete?: Record<string, Completer>;
}

/** What a prompt handler may return: user text, messages, or a whole result. */
export type PromptOutput =
  | string
  | PromptMessage[]
  | { messages: PromptMessage[]; description?: string; [key: string]: unknown }
  | InputRequiredResult;

export type PromptHandler = (args: Record<string, string>, ctx: RequestContext) => PromptOutput | Promise<PromptOutput>;

export class RegisteredPrompt extends RegisteredEntry<Prompt> {
  readonly key: string;
  readonly wire: Prompt;
  readonly handler: PromptHandler;
  readonly completers: Record<string, Completer> | undefined;
  readonly #required: readonly string[];

  constructor(registry: Registry<RegisteredPrompt, Prompt>, name: string, config: PromptConfig, handler: PromptHandler) {
    if (!name) throw new McpLocalError(LocalErrorCode.InvalidArgument, 'A prompt needs a name');
    super(registry);
    this.key = name;
    this.handler = handler;
    this.completers = config.complete;
    const wire: Prompt = { name };
    if (config.title !== undefined) wire.title = config.title;
    if (config.description !== undefined) wire.description = config.description;
    if (config.arguments !== undefined) wire.arguments = config.arguments;
    if (config.icons !== undefined) wire.icons = config.icons;
    if (config._meta !== undefined) wire._meta = config._meta as Prompt['_meta'];
    this.wire = wire;
    this.#required = (config.arguments ?? []).filter((a) => a.required).map((a) => a.name);
  }

  /** Checks `arguments` from a `prompts/get`: an object of strings with every required one. */
  checkArguments(args: unknown): Record<string, string> {
    if (args === undefined) args = {};
    if (!isObject(args)) throw invalidParams('Invalid arguments: must be an object');
    for (const [name, value] of Object.entries(args)) {
      if (typeof value !== 'string') throw invalidParams(`Invalid arguments: ${name} must be a string`);
    }
    const missing = this.#required.filter((name) => !Object.hasOwn(args, name));
    if (missing.length > 0) throw invalidParams(`Missing required arguments: ${missing.join(', ')}`);
    return args as Record<string, string>;
  }
}

export function toPromptResult(output: PromptOutput): Record<string, unknown> {
  if (typeof output === 'string') {
    return { messages: [{ role: 'user', content: { type: 'text', text: output } satisfies ContentBlock }] };
  }
  if (Array.isArray(output)) return { messages: output };
  return output as Record<string, unknown>;
}
