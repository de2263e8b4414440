/**
 * Process warnings about what a peer sent (a tool name outside the spec's characters, a tool
 * that breaks the x-mcp-header rules). The peer may be hostile and may send the same thing
 * again and again (a gateway registers and lists its upstreams' tools anew at every change), so
 * each subject is warned of once, at most {@link MAX_SUBJECTS} subjects are kept (then none
 * more), and callers quote the peer's text with quoteValue (guards.ts): it cannot flood
 * stderr, grow memory, or forge a line of its own with a line break.
 */

const MAX_SUBJECTS = 1000;

/** Subjects already warned of, by warning code. */
const warned = new Map<string, Set<string>>();

/**
 * Emits `message` as a warning with `code`, unless `subject` was warned of under that code
 * before, or too many subjects were.
 *
 * @example
 * warnOfPeer('MCP_TOOL_NAME', name, `Tool name ${quoteValue(name)} should be ...`);
 */
export function warnOfPeer(code: string, subject: string, message: string): void {
  let subjects = warned.get(code);
  if (subjects === undefined) warned.set(code, (subjects = new Set()));
  if (subjects.has(subject) || subjects.size >= MAX_SUBJECTS) return;
  subjects.add(subject);
  process.emitWarning(message, { code });
}
