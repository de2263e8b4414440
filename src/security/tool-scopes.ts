/**
 * Per-tool scopes: a tool may need scopes beyond those that let a caller in. Callers without
 * them do not see the tool in `tools/list`, and calling it is refused with 403
 * `insufficient_scope` (HTTP, with the challenge naming the scopes to ask for: spec,
 * authorization, scope challenge handling) or a JSON-RPC error (stdio), both before the
 * handler runs. Two interceptors, on `tools/list` and `tools/call` only: other methods keep
 * their direct path.
 */
import { isObject } from '../protocol/guards.ts';
import type { JsonRpcResponse } from '../protocol/jsonrpc.ts';
import { reportRefusal } from '../protocol/refusal-report.ts';
import { Challenges } from './challenge.ts';
import type { Principal } from './edge.ts';
import { refuseCall, type InterceptedServer, type SecurityInterceptor } from './interceptors.ts';
import { ScopeHierarchy } from './scopes.ts';

export interface ToolScopeOptions {
  /**
   * Scopes by tool name; `*` matches any run of characters (`github__*`). The most specific
   * entry applies: an exact name, else the longest matching pattern. An entry replaces the
   * scopes the tool declares itself.
   */
  tools?: Readonly<Record<string, readonly string[]>>;
  /**
   * The scopes a tool declares itself (`ToolConfig.scopes`), undefined when there is no such
   * tool: calls of unknown tools then go on to be answered as unknown.
   */
  declared?: (tool: string) => readonly string[] | undefined;
  /** The scope hierarchy; default: every scope stands alone. */
  scopes?: ScopeHierarchy;
  /**
   * The challenges of the refusals: the resource server's, to name its metadata (or a function
   * giving them, when the resource server comes later). Default: a plain Bearer challenge.
   */
  challenges?: Challenges | (() => Challenges);
}

const NONE: readonly string[] = Object.freeze([]);
/** Tool names whose scopes are remembered at most (names of tools that exist, normally). */
const MAX_REMEMBERED = 10_000;

/**
 * @example
 * const policy = new ToolScopes({ tools: { deploy: ['deploy:write'] }, declared: (name) => server.requiredScopes(name) });
 * policy.install(server);
 */
export class ToolScopes {
  readonly #exact: ReadonlyMap<string, readonly string[]>;
  readonly #patterns: ReadonlyArray<{ readonly pattern: RegExp; readonly scopes: readonly string[] }>;
  readonly #declared: ((tool: string) => readonly string[] | undefined) | undefined;
  readonly #scopes: ScopeHierarchy;
  readonly #challenges: () => Challenges;
  readonly #configured: Map<string, readonly string[] | null>;

  constructor(options: ToolScopeOptions = {}) {
    const exact = new Map<string, readonly string[]>();
    const patterns: Array<{ source: string; pattern: RegExp; scopes: readonly string[] }> = [];
    for (const [name, scopes] of Object.entries(options.tools ?? {})) {
      const frozen = Object.freeze([...scopes]);
      if (!name.includes('*')) exact.set(name, frozen);
      else patterns.push({ source: name, pattern: globPattern(name), scopes: frozen });
    }
    patterns.sort((a, b) => b.source.length - a.source.length);
    this.#exact = exact;
    this.#patterns = patterns;
    this.#declared = options.declared;
    this.#scopes = options.scopes ?? new ScopeHierarchy();
    const challenges = options.challenges ?? new Challenges();
    this.#challenges = typeof challenges === 'function' ? challenges : () => challenges;
    this.#configured = new Map();
  }

  /** The scopes calling `tool` needs; undefined for a tool that does not exist. */
  required(tool: string): readonly string[] | undefined {
    const declared = this.#declared === undefined ? NONE : this.#declared(tool);
    if (declared === undefined) return undefined;
    return this.#fromConfig(tool) ?? declared;
  }

  /** Whether `principal` (undefined: anonymous) may see and call `tool`. */
  allows(principal: Principal | undefined, tool: string): boolean {
    const required = this.required(tool);
    return required === undefined || this.#scopes.missing(principal, required).length === 0;
  }

  /** Adds the two interceptors to `server`. */
  install(server: InterceptedServer): void {
    server.use(this.listInterceptor, { methods: ['tools/list'] });
    server.use(this.callInterceptor, { methods: ['tools/call'] });
  }

  /** Refuses `tools/call` of a tool the caller lacks scopes for. */
  readonly callInterceptor: SecurityInterceptor = (next) => (request, exchange) => {
    const name = request.params?.name;
    if (typeof name !== 'string') return next(request, exchange);
    const required = this.required(name);
    if (required === undefined || required.length === 0) return next(request, exchange);
    const missing = this.#scopes.missing(exchange.auth, required);
    if (missing.length === 0) return next(request, exchange);
    reportRefusal('forbidden', request.method, `tool ${name} needs scope ${missing.join(' ')}`, exchange.auth?.subject);
    return refuseCall(request, exchange, this.#challenges().insufficientScope(missing, exchange.auth?.scopes ?? NONE, `tool ${name}`));
  };

  /** Leaves out of `tools/list` the tools the caller may not call. */
  readonly listInterceptor: SecurityInterceptor = (next) => (request, exchange) => {
    const out = next(request, exchange);
    const principal = exchange.auth;
    return out instanceof Promise ? out.then((response) => this.#visible(response, principal)) : this.#visible(out, principal);
  };

  #visible(response: JsonRpcResponse | undefined, principal: Principal | undefined): JsonRpcResponse | undefined {
    if (response === undefined || !('result' in response) || !Array.isArray(response.result.tools)) return response;
    const tools = (response.result.tools as unknown[]).filter((tool) => isObject(tool) && typeof tool.name === 'string' && this.allows(principal, tool.name));
    const result: Record<string, unknown> = { ...response.result, tools };
    // What one caller sees is not what another does: a shared cache must not keep it
    // (spec 2026-07-28, caching).
    if (result.cacheScope === 'public') result.cacheScope = 'private';
    return { jsonrpc: '2.0', id: response.id, result };
  }

  #fromConfig(tool: string): readonly string[] | undefined {
    const exact = this.#exact.get(tool);
    if (exact !== undefined || this.#patterns.length === 0) return exact;
    const remembered = this.#configured.get(tool);
    if (remembered !== undefined) return remembered ?? undefined;
    const found = this.#patterns.find(({ pattern }) => pattern.test(tool))?.scopes;
    if (this.#configured.size < MAX_REMEMBERED) this.#configured.set(tool, found ?? null);
    return found;
  }
}

/** `github__*` as an anchored regular expression; `*` is the only special character. */
function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}

/**
 * Enforces per-tool scopes on `server`: `ToolConfig.scopes`, and `options.tools` over them.
 *
 * @example
 * server.tool('deploy', { scopes: ['deploy:write'] }, deploy);
 * useToolScopes(server, { challenges: auth.challenges });
 */
export function useToolScopes(server: InterceptedServer & { requiredScopes(tool: string): readonly string[] | undefined }, options: Omit<ToolScopeOptions, 'declared'> = {}): ToolScopes {
  const policy = new ToolScopes({ ...options, declared: (tool) => server.requiredScopes(tool) });
  policy.install(server);
  return policy;
}
