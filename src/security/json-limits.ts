/**
 * Limits on the shape of what clients send: how deep a request's parameters nest and how long
 * their strings (values and keys) are. JSON.parse accepts any depth and any length within the
 * transport's message size limit (`http.maxBodyBytes`, `stdio.maxMessageBytes`), but code that
 * walks client JSON recursively (JSON.stringify, schema validation, a handler's own code)
 * overflows the call stack at a few thousand levels, and one huge string can be what a handler
 * copies many times. These limits refuse such a request before any handler or validator sees
 * it: -32602 "Invalid params" (HTTP 400), naming the limit, never echoing the value.
 *
 * The walk is iterative (any depth is safe to measure) and stops at the first excess. The
 * refusals are built once.
 */
import type { JsonRpcRequest } from '../protocol/jsonrpc.ts';
import { ErrorCode } from '../protocol/wire-errors.ts';
import { Refusal } from './edge.ts';
import { refuseCall, type InterceptedServer, type SecurityInterceptor } from './interceptors.ts';

export interface JsonLimitOptions {
  /** How deep objects and arrays may nest in a request's params (`params` itself is level 1). */
  maxDepth?: number;
  /** The longest string value or object key in a request's params, in UTF-16 code units. */
  maxStringLength?: number;
}

/** What is wrong with `value` under the limits: `'depth'`, `'string'`, or undefined when nothing is. */
export function jsonExcess(value: unknown, maxDepth: number, maxStringLength: number): 'depth' | 'string' | undefined {
  if (typeof value === 'string') return value.length > maxStringLength ? 'string' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth > maxDepth) return 'depth';
    // for...in over parsed JSON: its own keys only (a parsed object has no enumerable
    // inherited ones), without the array Object.values would allocate.
    for (const key in node) {
      if (key.length > maxStringLength) return 'string';
      const child = node[key];
      if (typeof child === 'string') {
        if (child.length > maxStringLength) return 'string';
      } else if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/**
 * Refuses requests whose params nest deeper or hold longer strings than allowed, on every
 * method and transport (an interceptor).
 *
 * @example
 * new JsonLimits({ maxDepth: 64, maxStringLength: 1_000_000 }).install(server);
 * // {"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params: nested deeper than 64 levels","data":{"reason":"json_limit"}}}
 */
export class JsonLimits {
  readonly maxDepth: number;
  readonly maxStringLength: number;
  readonly #tooDeep: Refusal;
  readonly #tooLong: Refusal;

  constructor(options: JsonLimitOptions) {
    this.maxDepth = options.maxDepth ?? Infinity;
    this.maxStringLength = options.maxStringLength ?? Infinity;
    if (!(this.maxDepth >= 1) || !(this.maxStringLength >= 1)) throw new RangeError('maxDepth and maxStringLength must be at least 1');
    const invalid = (message: string) => new Refusal(400, { code: ErrorCode.InvalidParams, message: `Invalid params: ${message}`, data: { reason: 'json_limit' } });
    this.#tooDeep = invalid(`nested deeper than ${this.maxDepth} levels`);
    this.#tooLong = invalid(`a string or key longer than ${this.maxStringLength} characters`);
  }

  readonly interceptor: SecurityInterceptor = (next) => {
    const { maxDepth, maxStringLength } = this;
    return (request, exchange) => {
      const excess = jsonExcess((request as JsonRpcRequest).params, maxDepth, maxStringLength);
      if (excess === undefined) return next(request, exchange);
      return refuseCall(request, exchange, excess === 'depth' ? this.#tooDeep : this.#tooLong);
    };
  };

  /** Adds the check to every method of `server`; install it before interceptors that do work. */
  install(server: InterceptedServer): void {
    server.use(this.interceptor);
  }
}
