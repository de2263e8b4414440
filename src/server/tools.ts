/**
 * Tools: registration (with the input validator compiled once, here), and turning whatever a
 * handler returns into a `CallToolResult`.
 */
import { LocalErrorCode, McpLocalError } from '../protocol/local-errors.ts';
import { quoteValue } from '../protocol/guards.ts';
import { warnOfPeer } from '../protocol/peer-warning.ts';
import { extractHeaderParams, type HeaderParam } from '../protocol/header-params.ts';
import { compileSchema, type SchemaCheck } from '../protocol/schema-validator.ts';
import type { CallToolResult, ContentBlock, Icon, InputRequiredResult, Tool, ToolAnnotations } from '../protocol/types.ts';
import type { RequestContext } from './context.ts';
import { RegisteredEntry, type Registry } from './registry.ts';
import type { JsonSchema } from './schema-types.ts';

/** Whether a tool may, must, or must not run as a task (tasks extension). */
export type TaskSupport = 'forbidden' | 'optional' | 'required';

export interface ToolConfig<InputSchema extends JsonSchema = JsonSchema> {
  title?: string;
  description?: string;
  /** JSON Schema (2020-12 by default) of the arguments; `{ type: 'object' }` when omitted. */
  inputSchema?: InputSchema;
  /** JSON Schema of `structuredContent`; results are checked against it. */
  outputSchema?: JsonSchema;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  _meta?: Record<string, unknown>;
  /** Tasks extension: whether calls may run as tasks. Defaults to 'forbidden'. */
  taskSupport?: TaskSupport;
  /**
   * Whether arguments and `structuredContent` are checked against the schemas. Default true.
   * A gateway turns it off for the tools it forwards: their own server checks them, and
   * compiling thousands of upstream schemas would only slow its start.
   */
  validate?: boolean;
  /**
   * OAuth scopes a caller needs to see and call this tool, enforced by the tool scope
   * interceptors (`useToolScopes` from `mcp-core/security`, or `auth.toolScopes` in
   * `mcp-core serve`): callers without them do not see it in tools/list and get 403
   * `insufficient_scope` when they call it.
   */
  scopes?: readonly string[];
}

/** What a tool handler may return: text, one or more content blocks, or a whole result. */
export type ToolOutput =
  | string
  | ContentBlock
  | ContentBlock[]
  | (Partial<CallToolResult> & { resultType?: string })
  | InputRequiredResult
  | undefined
  | void;

export type ToolHandler<Args = Record<string, unknown>> = (args: Args, ctx: RequestContext) => ToolOutput | Promise<ToolOutput>;

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const DEFAULT_INPUT_SCHEMA: Tool['inputSchema'] = { type: 'object' };
const ANYTHING: SchemaCheck = () => undefined;

export class RegisteredTool extends RegisteredEntry<Tool> {
  readonly key: string;
  wire: Tool;
  checkInput: SchemaCheck;
  checkOutput: SchemaCheck | undefined;
  handler: ToolHandler<never>;
  taskSupport: TaskSupport;
  /** Parameters mirrored into Mcp-Param-* headers (x-mcp-header), checked on HTTP. */
  headerParams: readonly HeaderParam[];
  /** Scopes a caller needs (ToolConfig.scopes). */
  scopes: readonly string[];

  constructor(registry: Registry<RegisteredTool, Tool>, name: string, config: ToolConfig, handler: ToolHandler<never>) {
    if (!name) throw new McpLocalError(LocalErrorCode.InvalidArgument, 'A tool needs a name');
    // Once per name: a gateway registers its upstreams' tools again at every change of their lists.
    if (!NAME_PATTERN.test(name)) warnOfPeer('MCP_TOOL_NAME', name, `Tool name ${quoteValue(name)} should be 1-128 characters of A-Z a-z 0-9 _ - .`);
    super(registry);
    this.key = name;
    this.handler = handler;
    this.wire = buildWire(name, config);
    this.checkInput = inputCheck(this.wire, config);
    this.checkOutput = outputCheck(config);
    this.taskSupport = config.taskSupport ?? 'forbidden';
    this.headerParams = headerParamsOf(name, this.wire);
    this.scopes = scopesOf(config);
  }

  get name(): string {
    return this.key;
  }

  /** Replaces the definition and/or handler; validators are recompiled now, not per call. */
  update(config: ToolConfig, handler?: ToolHandler<never>): void {
    const wire = buildWire(this.key, config);
    this.checkInput = inputCheck(wire, config);
    this.checkOutput = outputCheck(config);
    this.headerParams = headerParamsOf(this.key, wire);
    this.wire = wire;
    this.taskSupport = config.taskSupport ?? 'forbidden';
    this.scopes = scopesOf(config);
    if (handler) this.handler = handler;
    this.registry.changed();
  }
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

function scopesOf(config: ToolConfig): readonly string[] {
  return config.scopes === undefined || config.scopes.length === 0 ? NO_SCOPES : Object.freeze([...config.scopes]);
}

function inputCheck(wire: Tool, config: ToolConfig): SchemaCheck {
  return config.validate === false ? ANYTHING : compileSchema(wire.inputSchema);
}

function outputCheck(config: ToolConfig): SchemaCheck | undefined {
  return config.validate === false || config.outputSchema === undefined ? undefined : compileSchema(config.outputSchema);
}

function headerParamsOf(name: string, wire: Tool): HeaderParam[] {
  const params = extractHeaderParams(wire.inputSchema);
  if (typeof params === 'string') throw new McpLocalError(LocalErrorCode.InvalidArgument, `Tool ${name}: ${params}`);
  return params;
}

function buildWire(name: string, config: ToolConfig): Tool {
  // Key order as a reader expects it in tools/list: name and prose first, schemas after.
  const wire = { name } as Tool;
  if (config.title !== undefined) wire.title = config.title;
  if (config.description !== undefined) wire.description = config.description;
  wire.inputSchema = (config.inputSchema as Tool['inputSchema']) ?? DEFAULT_INPUT_SCHEMA;
  if (config.outputSchema !== undefined) wire.outputSchema = config.outputSchema as Tool['outputSchema'];
  if (config.annotations !== undefined) wire.annotations = config.annotations;
  if (config.icons !== undefined) wire.icons = config.icons;
  if (config.taskSupport !== undefined && config.taskSupport !== 'forbidden') {
    (wire as Tool & { execution?: unknown }).execution = { taskSupport: config.taskSupport };
  }
  if (config._meta !== undefined) wire._meta = config._meta as Tool['_meta'];
  return wire;
}

/** Whether `value` is already a result (`content`, `structuredContent`, `isError` or `resultType`). */
function isResultLike(value: object): boolean {
  return 'content' in value || 'structuredContent' in value || 'isError' in value || 'resultType' in value;
}

/**
 * Normalizes a handler's return value to a result object.
 *
 * A result with `structuredContent` but no `content` gets the JSON text as its content, as the
 * spec recommends for clients that only read unstructured content.
 */
export function toToolResult(output: ToolOutput): Record<string, unknown> {
  if (output === undefined || output === null) return { content: [] };
  if (typeof output === 'string') return { content: [{ type: 'text', text: output }] };
  if (Array.isArray(output)) return { content: output };
  if (isResultLike(output)) {
    const result = output as Record<string, unknown>;
    if (result.content === undefined && result.resultType !== 'input_required') {
      const text = result.structuredContent === undefined ? undefined : JSON.stringify(result.structuredContent);
      return { ...result, content: text === undefined ? [] : [{ type: 'text', text }] };
    }
    return result;
  }
  return { content: [output] };
}

/** A tool execution error: a result the model can read, not a protocol error. */
export function toolError(message: string): Record<string, unknown> {
  return { content: [{ type: "text", text: message }], isError: true };
}
