/**
 * Namespacing: how the names and URIs of many upstreams share one space.
 *
 * Tools and prompts are `<upstream><separator><name>` (`github__create_issue`). Upstream
 * names never contain the separator (config.ts refuses them), so the first separator in an
 * exposed name always ends the upstream's part and two upstreams can never produce the same
 * exposed name.
 *
 * Resource URIs keep their scheme and get the upstream's name at the front of what follows
 * it: `file:///etc/hosts` from `files` becomes `file://files__/etc/hosts`, and
 * `ui://widget/panel.html` becomes `ui://apps__widget/panel.html`. Keeping the scheme is what
 * keeps MCP Apps working: hosts recognise `ui://` resources by their scheme, and the tools
 * that point at them (`_meta.ui.resourceUri`) are rewritten the same way, so a host reads the
 * panel through the gateway from the upstream that owns it.
 */

/** `scheme:` and, when present, `//`: the part of a URI (or URI template) that stays in front. */
const URI_HEAD = /^([A-Za-z][A-Za-z0-9+.-]*:(?:\/\/)?)/;

export class Namespace {
  readonly separator: string;

  constructor(separator: string) {
    this.separator = separator;
  }

  /** `github` + `create_issue` → `github__create_issue`. */
  name(upstream: string, name: string): string {
    return upstream + this.separator + name;
  }

  /** Splits an exposed name into upstream and original name; undefined if it has no separator. */
  splitName(exposed: string): { upstream: string; name: string } | undefined {
    const at = exposed.indexOf(this.separator);
    if (at <= 0) return undefined;
    return { upstream: exposed.slice(0, at), name: exposed.slice(at + this.separator.length) };
  }

  /** `ui://widget/a.html` from `apps` → `ui://apps__widget/a.html`. Templates work the same. */
  uri(upstream: string, uri: string): string {
    const head = URI_HEAD.exec(uri)?.[1];
    // Not a URI with a scheme (a bare template such as `{+path}`): the prefix goes in front.
    if (head === undefined) return upstream + this.separator + uri;
    return head + upstream + this.separator + uri.slice(head.length);
  }

  /** The reverse of {@link uri}; undefined when the URI is not a namespaced one. */
  splitUri(exposed: string): { upstream: string; uri: string } | undefined {
    const head = URI_HEAD.exec(exposed)?.[1] ?? '';
    const rest = exposed.slice(head.length);
    const at = rest.indexOf(this.separator);
    if (at <= 0) return undefined;
    return { upstream: rest.slice(0, at), uri: head + rest.slice(at + this.separator.length) };
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The resource URIs an upstream's messages carry, rewritten to their namespaced form: the
 * places the spec puts them, and MCP Apps' `_meta.ui.resourceUri`. Each function returns its
 * argument itself when nothing needed rewriting, so the common case copies nothing.
 */
export class UriRewriter {
  readonly #rename: (uri: string) => string;

  constructor(rename: (uri: string) => string) {
    this.#rename = rename;
  }

  /** A definition's `_meta` (MCP Apps: `ui.resourceUri`, and the older `ui/resourceUri`). */
  meta<T>(meta: T): T {
    if (!isObject(meta)) return meta;
    let out: Json | undefined;
    const ui = meta.ui;
    if (isObject(ui) && typeof ui.resourceUri === 'string') (out ??= { ...meta }).ui = { ...ui, resourceUri: this.#rename(ui.resourceUri) };
    const old = meta['ui/resourceUri'];
    if (typeof old === 'string') (out ??= { ...meta })['ui/resourceUri'] = this.#rename(old);
    return (out ?? meta) as T;
  }

  /** One content block: resource links and embedded resources point at resources. */
  block<T>(block: T): T {
    if (!isObject(block)) return block;
    if (block.type === 'resource_link' && typeof block.uri === 'string') return { ...block, uri: this.#rename(block.uri) } as T;
    if (block.type === 'resource' && isObject(block.resource) && typeof block.resource.uri === 'string') {
      return { ...block, resource: { ...block.resource, uri: this.#rename(block.resource.uri) } } as T;
    }
    return block;
  }

  /** A list of content blocks (a tool result's `content`). */
  blocks<T>(blocks: T): T {
    if (!Array.isArray(blocks)) return blocks;
    let out: unknown[] | undefined;
    for (let index = 0; index < blocks.length; index++) {
      const block: unknown = blocks[index];
      const renamed = this.block(block);
      if (renamed !== block) (out ??= [...blocks])[index] = renamed;
    }
    return (out ?? blocks) as T;
  }

  /** A `tools/call` result. */
  toolResult<T extends Json>(result: T): T {
    const content = this.blocks(result.content);
    return content === result.content ? result : { ...result, content };
  }

  /** A `prompts/get` result: each message holds one content block. */
  promptResult<T extends Json>(result: T): T {
    if (!Array.isArray(result.messages)) return result;
    let changed = false;
    const messages = result.messages.map((message: unknown) => {
      if (!isObject(message)) return message;
      const content = this.block(message.content);
      if (content === message.content) return message;
      changed = true;
      return { ...message, content };
    });
    return changed ? { ...result, messages } : result;
  }

  /** A `resources/read` result's `contents[].uri`. */
  readResult<T extends Json>(result: T): T {
    if (!Array.isArray(result.contents)) return result;
    const contents = result.contents.map((item: unknown) => (isObject(item) && typeof item.uri === 'string' ? { ...item, uri: this.#rename(item.uri) } : item));
    return { ...result, contents };
  }
}
