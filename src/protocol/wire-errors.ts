/**
 * Wire errors: what travels in a JSON-RPC `error` member. Every code mcp-core emits is
 * declared here, so a reader can see the whole surface at once.
 */
import { describeValue } from './guards.ts';

export const ErrorCode = {
  // JSON-RPC 2.0
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  // Implementation-defined (the legacy -32000..-32019 range), used by legacy HTTP sessions
  // as the official SDKs do.
  BadRequest: -32000,
  SessionNotFound: -32001,
  // Legacy revisions only (2025-11-25 and earlier); modern servers MUST NOT emit them.
  ResourceNotFound: -32002,
  UrlElicitationRequired: -32042,
  // Modern revision (spec 2026-07-28, basic/index: error codes)
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The `error` member of a JSON-RPC error response. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

const brand = Symbol.for('mcp-core.McpError');

/**
 * An error to be sent to the peer as a JSON-RPC error. Throw it from a handler to answer a
 * request with exactly this code, message and data.
 *
 * @example
 * throw new McpError(ErrorCode.InvalidParams, 'Unknown tool: nope');
 */
export class McpError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'McpError';
    this.code = code;
    this.data = data;
    (this as unknown as Record<symbol, boolean>)[brand] = true;
  }

  /** Recognizes errors from another copy of this module too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromWire(error: WireError): McpError {
    return new McpError(error.code, error.message, error.data);
  }
}

export function invalidParams(message: string, data?: unknown): McpError {
  return new McpError(ErrorCode.InvalidParams, message, data);
}

export function methodNotFound(method: string): McpError {
  return new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
}

export function unsupportedProtocolVersion(requested: unknown, supported: readonly string[]): McpError {
  return new McpError(ErrorCode.UnsupportedProtocolVersion, 'Unsupported protocol version', {
    supported: [...supported],
    requested: describeValue(requested),
  });
}

export function missingClientCapability(required: Record<string, unknown>): McpError {
  const names = Object.keys(required).join(', ');
  return new McpError(ErrorCode.MissingRequiredClientCapability, `Missing required client capability: ${names}`, {
    requiredCapabilities: required,
  });
}

export function headerMismatch(message: string): McpError {
  return new McpError(ErrorCode.HeaderMismatch, `Header mismatch: ${message}`);
}
