/**
 * Resources and resource templates: registration, URI matching, and turning what a read
 * handler returns into `contents`.
 */
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import type { Annotations, Icon, Resource, ResourceContents, ResourceTemplate } from '../protocol/types.ts';
import type { RequestContext } from './context.ts';
import { RegisteredEntry, type Registry } from './registry.ts';
import { UriTemplate } from './uri-template.ts';

export interface ResourceConfig {
  /** Programmatic name; defaults to the URI (or template). */
  name?: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Record<string, unknown>;
}

/** Completes one template variable from what the user typed so far. */
export type Completer = (value: string, context: { arguments: Record<string, string> }) => string[] | Promise<string[]>;

export interface ResourceTemplateConfig extends ResourceConfig {
  /** Lists the concrete resources this template currently covers, for `resources/list`. */
  list?: (ctx: RequestContext) => Resource[] | Promise<Resource[]>;
  /** Completions per variable name, for `completion/complete`. */
  complete?: Record<string, Completer>;
}

/** A read handler may return text, bytes, one content item, several, or a whole result. */
export type ReadOutput =
  | string
  | Uint8Array
  | ResourceContents
  | ResourceContents[]
  | { contents: ResourceContents[]; ttlMs?: number; cacheScope?: 'public' | 'private'; [key: string]: unknown };

export type ReadHandler = (uri: string, ctx: RequestContext) => ReadOutput | Promise<ReadOutput>;
export type TemplateReadHandler = (uri: string, variables: Record<string, string>, ctx: RequestContext) => ReadOutput | Promise<ReadOutput>;

function describe<T extends { name: string }>(base: T, config: ResourceConfig): T {
  const wire = base as unknown as Record<string, unknown>;
  if (config.title !== undefined) wire.title = config.title;
  if (config.description !== undefined) wire.description = config.description;
  if (config.mimeType !== undefined) wire.mimeType = config.mimeType;
  if (config.size !== undefined) wire.size = config.size;
  if (config.annotations !== undefined) wire.annotations = config.annotations;
  if (config.icons !== undefined) wire.icons = config.icons;
  if (config._meta !== undefined) wire._meta = config._meta;
  return base;
}

export class RegisteredResource extends RegisteredEntry<Resource> {
  readonly key: string;
  readonly wire: Resource;
  readonly mimeType: string | undefined;
  readonly handler: ReadHandler;

  constructor(registry: Registry<RegisteredResource, Resource>, uri: string, config: ResourceConfig, handler: ReadHandler) {
    super(registry);
    if (!uri) throw new McpLocalError(LocalErrorCode.InvalidArgument, 'A resource needs a URI');
    this.key = uri;
    this.wire = describe({ uri, name: config.name ?? uri } as Resource, config);
    this.mimeType = config.mimeType;
    this.handler = handler;
  }
}

export class RegisteredResourceTemplate extends RegisteredEntry<ResourceTemplate> {
  readonly key: string;
  readonly wire: ResourceTemplate;
  readonly template: UriTemplate;
  readonly mimeType: string | undefined;
  readonly handler: TemplateReadHandler;
  readonly listResources: ResourceTemplateConfig['list'];
  readonly completers: Record<string, Completer> | undefined;

  constructor(
    registry: Registry<RegisteredResourceTemplate, ResourceTemplate>,
    uriTemplate: string,
    config: ResourceTemplateConfig,
    handler: TemplateReadHandler,
  ) {
    super(registry);
    if (!uriTemplate) throw new McpLocalError(LocalErrorCode.InvalidArgument, 'A resource template needs a URI template');
    this.key = uriTemplate;
    this.template = new UriTemplate(uriTemplate);
    this.wire = describe({ uriTemplate, name: config.name ?? uriTemplate } as ResourceTemplate, config);
    this.mimeType = config.mimeType;
    this.handler = handler;
    this.listResources = config.list;
    this.completers = config.complete;
  }
}

function toContents(uri: string, mimeType: string | undefined, item: string | Uint8Array): ResourceContents {
  if (typeof item === 'string') return { uri, mimeType: mimeType ?? 'text/plain', text: item } as ResourceContents;
  return { uri, mimeType: mimeType ?? 'application/octet-stream', blob: Buffer.from(item).toString('base64') } as ResourceContents;
}

/** Normalizes a read handler's output to a `ReadResourceResult`-shaped object. */
export function toReadResult(uri: string, mimeType: string | undefined, output: ReadOutput): Record<string, unknown> {
  if (typeof output === 'string' || output instanceof Uint8Array) return { contents: [toContents(uri, mimeType, output)] };
  if (Array.isArray(output)) return { contents: output };
  if ('contents' in output && Array.isArray(output.contents)) return output as Record<string, unknown>;
  return { contents: [output] };
}
