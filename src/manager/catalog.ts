/**
 * The aggregate: what every upstream offers, under namespaced names and URIs, in a stable order
 * (upstreams in config order, each upstream's entries in its own order). Built again for one
 * upstream and one kind when that upstream's list changes; lookups are Map gets.
 *
 * Name collisions cannot happen between upstreams (their names never contain the separator,
 * nor run into it: config.ts); an upstream that lists the same name twice is reported in
 * `collisions` and the later entry left out, never silently shadowing the first, and so is a
 * URI whose namespaced form would not lead back to it. Tools are filtered by the upstream's
 * allow and deny lists (tool-filter.ts) at every listing, list_changed ones too. An entry
 * without the spec's types (entry-check.ts) is left out and reported there too.
 */
import { isObject, quoteValue } from '../protocol/guards.ts';
import type { Prompt, Resource, ResourceTemplate, Tool } from '../protocol/types.ts';
import type { TaskSupport } from '../server/tools.ts';
import type { UpstreamSpec } from './config.ts';
import { entryProblem, type EntryKind } from './entry-check.ts';
import { Namespace, UriRewriter } from './names.ts';
import { toolFilter } from './tool-filter.ts';
import type { CatalogKind, UpstreamCatalog } from './upstream.ts';

export interface ToolRoute {
  upstream: string;
  /** The upstream's own name for the tool. */
  name: string;
  /** The definition as the gateway lists it. */
  wire: Tool;
  /** Read-only or idempotent: may be retried after a lost connection. */
  safe: boolean;
  /** Whether calls may run as tasks upstream (tasks extension: `execution.taskSupport`). */
  taskSupport: TaskSupport;
}

const TASK_SUPPORT = new Set<unknown>(['forbidden', 'optional', 'required']);

function taskSupportOf(tool: Tool): TaskSupport {
  const declared = (tool as { execution?: { taskSupport?: unknown } }).execution?.taskSupport;
  return TASK_SUPPORT.has(declared) ? (declared as TaskSupport) : 'forbidden';
}

export interface PromptRoute {
  upstream: string;
  name: string;
  wire: Prompt;
}

export interface ResourceEntry {
  upstream: string;
  uri: string;
  wire: Resource;
}

export interface TemplateEntry {
  upstream: string;
  uriTemplate: string;
  wire: ResourceTemplate;
}

export interface Collision {
  kind: 'tool' | 'prompt' | 'resource' | 'template';
  name: string;
  upstream: string;
  reason: string;
}

/** One upstream's share of the aggregate. */
interface Share {
  tools: ToolRoute[];
  prompts: PromptRoute[];
  resources: ResourceEntry[];
  templates: TemplateEntry[];
  collisions: Collision[];
}

const EMPTY_SHARE: Share = { tools: [], prompts: [], resources: [], templates: [], collisions: [] };

export class Catalog {
  readonly namespace: Namespace;
  readonly #order: string[];
  readonly #shares: Map<string, Share>;
  readonly #filters: Map<string, (name: string) => boolean>;
  /** Each upstream's rewriter, made once (calls rewrite every result). */
  readonly #rewriters: Map<string, UriRewriter>;
  #tools: Map<string, ToolRoute> | undefined;
  #prompts: Map<string, PromptRoute> | undefined;

  constructor(namespace: Namespace) {
    this.namespace = namespace;
    this.#order = [];
    this.#shares = new Map();
    this.#filters = new Map();
    this.#rewriters = new Map();
    this.#tools = undefined;
    this.#prompts = undefined;
  }

  /** Sets the upstreams and their order (config order); shares of others are dropped. */
  setUpstreams(specs: readonly UpstreamSpec[]): void {
    this.#order.length = 0;
    this.#filters.clear();
    for (const spec of specs) {
      this.#order.push(spec.name);
      this.#filters.set(spec.name, toolFilter(spec));
    }
    for (const name of [...this.#shares.keys()]) if (!this.#filters.has(name)) this.#shares.delete(name);
    for (const name of [...this.#rewriters.keys()]) if (!this.#filters.has(name)) this.#rewriters.delete(name);
    this.#tools = undefined;
    this.#prompts = undefined;
  }

  /** A rewriter of one upstream's resource URIs into the gateway's. */
  rewriter(upstream: string): UriRewriter {
    let rewriter = this.#rewriters.get(upstream);
    if (rewriter === undefined) {
      const namespace = this.namespace;
      rewriter = new UriRewriter((uri) => namespace.uri(upstream, uri));
      this.#rewriters.set(upstream, rewriter);
    }
    return rewriter;
  }

  /** Takes one upstream's listing of `kind` in. */
  update(upstream: string, kind: CatalogKind, catalog: UpstreamCatalog): void {
    const share = { ...(this.#shares.get(upstream) ?? EMPTY_SHARE) };
    share.collisions = share.collisions.filter((c) => kindOf(c) !== kind);
    const rewriter = this.rewriter(upstream);
    const ns = this.namespace;
    if (kind === 'tools') {
      const allowed = this.#filters.get(upstream) ?? (() => true);
      const listed = catalog.tools.filter((tool) => !isObject(tool) || typeof tool.name !== 'string' || allowed(tool.name));
      share.tools = unique(wellFormed(listed, 'tool', upstream, share.collisions, (name) => ns.name(upstream, name)), 'tool', upstream, share.collisions, (tool) => {
        const wire: Tool = { ...tool, name: ns.name(upstream, tool.name) };
        if (tool._meta !== undefined) wire._meta = rewriter.meta(tool._meta);
        const hints = tool.annotations;
        const safe = hints?.readOnlyHint === true || hints?.idempotentHint === true;
        return { key: wire.name, value: { upstream, name: tool.name, wire, safe, taskSupport: taskSupportOf(tool) } };
      });
      this.#tools = undefined;
    } else if (kind === 'prompts') {
      share.prompts = unique(wellFormed(catalog.prompts, 'prompt', upstream, share.collisions, (name) => ns.name(upstream, name)), 'prompt', upstream, share.collisions, (prompt) => {
        const wire: Prompt = { ...prompt, name: ns.name(upstream, prompt.name) };
        return { key: wire.name, value: { upstream, name: prompt.name, wire } };
      });
      this.#prompts = undefined;
    } else {
      const resources = namespaceable(wellFormed(catalog.resources, 'resource', upstream, share.collisions, (uri) => ns.uri(upstream, uri)), 'resource', upstream, share.collisions, ns);
      share.resources = unique(resources, 'resource', upstream, share.collisions, (resource) => {
        const wire: Resource = { ...resource, uri: ns.uri(upstream, resource.uri) };
        if (resource._meta !== undefined) wire._meta = rewriter.meta(resource._meta);
        return { key: wire.uri, value: { upstream, uri: resource.uri, wire } };
      });
      const templates = namespaceable(wellFormed(catalog.templates, 'template', upstream, share.collisions, (uri) => ns.uri(upstream, uri)), 'template', upstream, share.collisions, ns);
      share.templates = unique(templates, 'template', upstream, share.collisions, (template) => {
        const wire: ResourceTemplate = { ...template, uriTemplate: ns.uri(upstream, template.uriTemplate) };
        return { key: wire.uriTemplate, value: { upstream, uriTemplate: template.uriTemplate, wire } };
      });
    }
    this.#shares.set(upstream, share);
  }

  /** Forgets one upstream's entries (it was removed, or its connection is gone for good). */
  clear(upstream: string): void {
    this.#shares.delete(upstream);
    this.#tools = undefined;
    this.#prompts = undefined;
  }

  tools(): ToolRoute[] {
    return this.#all((share) => share.tools);
  }

  prompts(): PromptRoute[] {
    return this.#all((share) => share.prompts);
  }

  resources(): ResourceEntry[] {
    return this.#all((share) => share.resources);
  }

  templates(): TemplateEntry[] {
    return this.#all((share) => share.templates);
  }

  collisions(): Collision[] {
    return this.#all((share) => share.collisions);
  }

  tool(exposed: string): ToolRoute | undefined {
    this.#tools ??= new Map(this.tools().map((route) => [route.wire.name, route]));
    return this.#tools.get(exposed);
  }

  prompt(exposed: string): PromptRoute | undefined {
    this.#prompts ??= new Map(this.prompts().map((route) => [route.wire.name, route]));
    return this.#prompts.get(exposed);
  }

  #all<T>(pick: (share: Share) => T[]): T[] {
    const out: T[] = [];
    for (const name of this.#order) {
      const share = this.#shares.get(name);
      // One push at a time: spread arguments overflow the stack beyond about 120,000 entries.
      if (share !== undefined) for (const entry of pick(share)) out.push(entry);
    }
    return out;
  }
}

function kindOf(collision: Collision): CatalogKind {
  return collision.kind === 'tool' ? 'tools' : collision.kind === 'prompt' ? 'prompts' : 'resources';
}

const KEY_FIELD: Record<EntryKind, string> = { tool: 'name', prompt: 'name', resource: 'uri', template: 'uriTemplate' };

/**
 * The items that have the spec's types (see entry-check.ts); the others are left out and
 * reported, named as the gateway would have offered them (`exposed`) when they have a name.
 */
function wellFormed<I>(items: I[], kind: EntryKind, upstream: string, collisions: Collision[], exposed: (key: string) => string): I[] {
  const out: I[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const problem = entryProblem(kind, item);
    if (problem === undefined) {
      out.push(item);
      continue;
    }
    const key = isObject(item) ? item[KEY_FIELD[kind]] : undefined;
    const name = typeof key === 'string' ? exposed(key) : `#${index + 1}`;
    collisions.push({ kind, name, upstream, reason: `${upstream}'s ${kind} ${typeof key === 'string' ? quoteValue(key) : `number ${index + 1}`} is left out: ${problem}` });
  }
  return out;
}

/**
 * The resources (or templates) whose namespaced URI leads back to them. With a separator that
 * may stand in a URI scheme (`.`, `-`), a URI without a scheme of its own can come out as one
 * that reads differently: from `a`, `.x:b.y` is `a..x:b.y`, which names upstream `b`, so
 * reading it would ask `b`. Such an entry is left out and reported, never offered under a URI
 * that leads elsewhere.
 */
function namespaceable<I extends Resource | ResourceTemplate>(items: I[], kind: 'resource' | 'template', upstream: string, collisions: Collision[], ns: Namespace): I[] {
  return items.filter((item) => {
    const uri = 'uri' in item ? item.uri : item.uriTemplate;
    const exposed = ns.uri(upstream, uri);
    const back = ns.splitUri(exposed);
    if (back?.upstream === upstream && back.uri === uri) return true;
    collisions.push({ kind, name: exposed, upstream, reason: `${upstream}'s ${kind} ${quoteValue(uri)} is left out: namespaced as ${quoteValue(exposed)}, it would not lead back to it` });
    return false;
  });
}

/** Maps items to entries, leaving out (and reporting) a key seen before. */
function unique<I, V>(items: I[], kind: Collision['kind'], upstream: string, collisions: Collision[], map: (item: I) => { key: string; value: V }): V[] {
  const seen = new Set<string>();
  const out: V[] = [];
  for (const item of items) {
    const { key, value } = map(item);
    if (seen.has(key)) {
      collisions.push({ kind, name: key, upstream, reason: `${upstream} lists ${key} more than once; the first is kept` });
      continue;
    }
    seen.add(key);
    out.push(value);
  }
  return out;
}
