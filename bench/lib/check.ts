/**
 * Response checks. Every response a driver counts as a success went through one of these:
 * the id is the one we sent, there is no error, and the result is what the request asked for.
 * A check returns undefined when the response is right, or a short reason when it is not.
 */

interface JsonRpcReply {
  jsonrpc?: unknown;
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code?: unknown; message?: unknown };
}

export type ResultCheck = (result: Record<string, unknown>) => string | undefined;

/** The echo tool answered with the text it was sent, as the first text content block. */
export function echoed(text: string): ResultCheck {
  return (result) => {
    const content = result.content as Array<{ type?: unknown; text?: unknown }> | undefined;
    const first = Array.isArray(content) ? content[0] : undefined;
    if (first === undefined || first.type !== 'text') return 'no text content block';
    if (first.text !== text) return 'echoed text differs';
    if (result.isError === true) return 'tool reported isError';
    return undefined;
  };
}

/**
 * One page of tools/list: a tools array of named tools with an object input schema, and a
 * string nextCursor when more pages follow. Whether the pages add up to every tool is the
 * listing's check (each driver follows the cursors).
 */
export const toolsPage: ResultCheck = (result) => {
  const tools = result.tools as Array<{ name?: unknown; inputSchema?: { type?: unknown } }> | undefined;
  if (!Array.isArray(tools)) return 'no tools array';
  for (const tool of tools) {
    if (typeof tool?.name !== 'string') return 'a tool without a name';
    if (tool.inputSchema?.type !== 'object') return `tool ${tool.name} has no object inputSchema`;
  }
  if (result.nextCursor !== undefined && typeof result.nextCursor !== 'string') return 'nextCursor is not a string';
  return undefined;
};

/** The reply to request `id` is a success whose result passes `check`. */
export function checkReply(reply: unknown, id: unknown, check: ResultCheck): string | undefined {
  if (typeof reply !== 'object' || reply === null) return 'reply is not an object';
  const message = reply as JsonRpcReply;
  if (message.id !== id) return `id ${JSON.stringify(message.id)} does not match ${JSON.stringify(id)}`;
  if (message.error !== undefined) return `error ${String(message.error.code)}: ${String(message.error.message)}`;
  if (typeof message.result !== 'object' || message.result === null) return 'no result';
  return check(message.result);
}

/**
 * The JSON-RPC message in an HTTP response body: plain JSON, or the last `data:` event of an
 * SSE body (servers in SSE mode may send priming events before the response).
 */
export function parseHttpBody(body: string): unknown {
  const start = body.charCodeAt(0);
  if (start === 123 /* { */ || start === 91 /* [ */) return JSON.parse(body);
  let found: unknown;
  for (const line of body.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data.length === 0) continue;
    const message = JSON.parse(data) as JsonRpcReply;
    if (message.id !== undefined) found = message;
  }
  if (found === undefined) throw new Error('no JSON-RPC response in the body');
  return found;
}
