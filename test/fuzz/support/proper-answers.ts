/**
 * What a proper MCP server answers, for the fuzz targets' hostile servers once they are told to
 * behave. Kept apart from the generators: a scripted server process loads only this.
 */
import { LATEST_LEGACY_VERSION, MODERN_VERSION } from '../../../src/protocol/versions.ts';

/** A good answer of `method`'s shape: what the server says once the test has it behave. */
export function properResult(method: string | undefined): Record<string, unknown> {
  switch (method) {
    case 'tools/list':
      return { tools: [] };
    case 'resources/list':
      return { resources: [] };
    case 'resources/read':
      return { contents: [] };
    case 'prompts/get':
      return { messages: [] };
    case 'tools/call':
      return { content: [{ type: 'text', text: 'ok' }] };
    default:
      return {};
  }
}

/** The handshake answers of a proper server: server/discover (modern) and initialize (legacy). */
export const DISCOVERED = { resultType: 'complete', supportedVersions: [MODERN_VERSION], capabilities: { tools: {} }, ttlMs: 0, cacheScope: 'private' };
export const INITIALIZED = { protocolVersion: LATEST_LEGACY_VERSION, capabilities: { tools: {} }, serverInfo: { name: 'hostile', version: '1' } };

/** What a proper server answers to `message` (undefined: nothing, a notification or response). */
export function properAnswer(message: unknown): Record<string, unknown> | undefined {
  const { id, method } = (message ?? {}) as { id?: unknown; method?: unknown };
  if (id === undefined || typeof method !== 'string') return undefined;
  const result = method === 'server/discover' ? DISCOVERED : method === 'initialize' ? INITIALIZED : properResult(method);
  return { jsonrpc: '2.0', id, result };
}
