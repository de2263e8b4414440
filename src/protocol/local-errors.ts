/**
 * Local errors: failures that happen on this side of the wire (a timeout, a closed
 * connection) and never travel as JSON-RPC errors. Each has a stable string `code` so
 * callers can branch on it; all codes are declared here.
 */
import type { MalformedPart } from './jsonrpc.ts';

export const LocalErrorCode = {
  ConnectionClosed: 'MCP_ERR_CONNECTION_CLOSED',
  Timeout: 'MCP_ERR_TIMEOUT',
  Cancelled: 'MCP_ERR_CANCELLED',
  ProtocolViolation: 'MCP_ERR_PROTOCOL',
  Overloaded: 'MCP_ERR_OVERLOADED',
  MessageTooLarge: 'MCP_ERR_MESSAGE_TOO_LARGE',
  InvalidArgument: 'MCP_ERR_INVALID_ARGUMENT',
  Unsupported: 'MCP_ERR_UNSUPPORTED',
  InvalidState: 'MCP_ERR_INVALID_STATE',
  /** Authorization with the server failed: discovery, registration, a grant, or a refusal. */
  Unauthorized: 'MCP_ERR_UNAUTHORIZED',
  /** The server could not be reached (connection refused, unknown host): nothing was sent. */
  Unreachable: 'MCP_ERR_UNREACHABLE',
  /** The server no longer knows the legacy session (HTTP 404 to a request that named it). */
  SessionExpired: 'MCP_ERR_SESSION_EXPIRED',
  /** A gateway's circuit breaker for an upstream is open: calls to it fail fast for a while. */
  CircuitOpen: 'MCP_ERR_CIRCUIT_OPEN',
} as const;

/**
 * System error codes of a connection that could not be made (refused, unknown host, no route):
 * nothing was sent, so anything may be sent again.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ERR_CONNECT_TIMEOUT']);

export type LocalErrorCodeValue = (typeof LocalErrorCode)[keyof typeof LocalErrorCode];

const brand = Symbol.for('mcp-core.McpLocalError');

/**
 * @example
 * try { await client.callTool('slow', {}, { timeoutMs: 100 }); }
 * catch (e) { if (e instanceof McpLocalError && e.code === LocalErrorCode.Timeout) retry(); }
 */
export class McpLocalError extends Error {
  readonly code: LocalErrorCodeValue;

  constructor(code: LocalErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'McpLocalError';
    this.code = code;
    (this as unknown as Record<symbol, boolean>)[brand] = true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

const malformedBrand = Symbol.for('mcp-core.MalformedAnswerError');

/**
 * The server answered a request with a malformed result or error (JSON-RPC 2.0: a result is
 * an object here, an error has an integer code and a string message, and a response carries
 * one of them, never both): the request fails with
 * this (MCP_ERR_PROTOCOL) as soon as the answer arrives, rather than wait for its timeout or
 * pass on what no peer may send.
 */
export class MalformedAnswerError extends McpLocalError {
  readonly what: MalformedPart;
  /** What is wrong with it, e.g. `code is 1.5, not an integer`. */
  readonly problem: string;

  constructor(method: string, what: MalformedPart, problem: string) {
    super(LocalErrorCode.ProtocolViolation, `The server answered ${method} with a malformed ${what}: ${problem}`);
    this.name = 'MalformedAnswerError';
    this.what = what;
    this.problem = problem;
    (this as unknown as Record<symbol, boolean>)[malformedBrand] = true;
  }

  /** Its own brand: McpLocalError's would make every local error a MalformedAnswerError. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[malformedBrand] === true;
  }
}
